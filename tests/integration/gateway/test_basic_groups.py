"""A basic group (not a supergroup) costs nothing per message, and a command there gets one
answer: upgrade it to a supergroup."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.gateway import RunningGateway, World, rpcs_served, updates_failed


async def test_a_busy_basic_group_costs_one_policy_question_and_no_error(
    world: World, gateway: RunningGateway
) -> None:
    # Tenancy refused the basic group's id as INVALID_ARGUMENT: one call, one ERROR traceback
    # and one Sentry event per message, none of it cached.
    failed, asked = updates_failed(), rpcs_served("TenancyService", "GetGroupPolicy")
    mark = await gateway.mark()

    for n in range(15):
        await gateway.control.say(world.basic_group, world.member, f"hello {n}")
    await gateway.control.say(world.basic_group, world.owner, "/status")
    replies = await gateway.reply_to(mark, world.basic_group)

    assert len(replies) == 1
    assert "supergroup" in replies[0]
    assert updates_failed() == failed
    assert rpcs_served("TenancyService", "GetGroupPolicy") - asked <= 1
    assert await gateway.calls("deleteMessage", mark) == []
    assert await gateway.calls("restrictChatMember", mark) == []


@pytest.mark.parametrize("command", ["/protect @news_channel", "/protect", "/settings", "/check"])
async def test_a_command_in_a_basic_group_gets_one_reply_saying_to_upgrade(
    world: World, gateway: RunningGateway, command: str
) -> None:
    failed = updates_failed()
    mark = await gateway.mark()

    await gateway.control.say(world.basic_group, world.owner, command)
    replies = await gateway.reply_to(mark, world.basic_group)
    await asyncio.sleep(0.3)  # a second reply, if there were one, shows up meanwhile

    assert len(await gateway.calls("sendMessage", mark)) == 1
    assert "Upgrade it to a supergroup" in replies[0]
    assert updates_failed() == failed
    assert await gateway.calls("createChatInviteLink", mark) == []
