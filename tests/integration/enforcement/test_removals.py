"""Removals are explained (issue 23): a member GMBot removes, on sight (`action kick`) or when
`kick_after_minutes` ran out, is told in private why and how to come back when Telegram lets the
bot write to them; anyone else's removal goes on quietly. The warning says when a kick comes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gmbot.enforcement.domain.actions import Kind
from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, muted
from tests.integration.enforcement.test_others_win import _finished, _gmbots_calls, _journal_size
from tests.support.enforcement import Group, warning

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def test_a_kicked_member_is_told_why_in_private(world: Group, enforcement: Stub) -> None:
    user = await world.member("Kai")
    await world.control.say_to_bot(world.bot_id, user, "/start")  # they started the bot
    await muted(enforcement, world, user, "rk:1", kick_after=5)
    since = await _journal_size(world)

    kick = await _finished(enforcement, world, Kind.KICK, user)

    assert kick.state == pb.ACTION_STATE_DONE
    ban, told = await _gmbots_calls(world, since)
    assert ban["method"] == "banChatMember"
    assert (told["method"], str(told["params"]["chat_id"])) == ("sendMessage", str(user))
    assert "You were removed from" in told["params"]["text"]
    assert "https://t.me/" in str(told["params"]["reply_markup"])


async def test_a_member_kicked_on_sight_is_told_too(world: Group, enforcement: Stub) -> None:
    user = await world.member("Kim")
    await world.control.say_to_bot(world.bot_id, user, "/start")
    since = await _journal_size(world)

    kicked = await enforcement.Enforce(
        pb.EnforceRequest(
            idempotency_key="rk:2",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
            action=pb.MEMBER_ACTION_KICK,
            message_id=await world.said(user),
            warning=warning(user_display_name="Kim", language="ru"),
        )
    )
    await done(enforcement, world, kicked.action_id)

    told = [c for c in await _gmbots_calls(world, since) if c["method"] == "sendMessage"]
    assert [str(c["params"]["chat_id"]) for c in told] == [str(user)]
    assert "Вас удалили из группы" in told[0]["params"]["text"]


async def test_a_member_who_never_started_the_bot_is_removed_quietly(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Kit")
    await muted(enforcement, world, user, "rk:3", kick_after=5)

    kick = await _finished(enforcement, world, Kind.KICK, user)

    # Telegram's 403 ("bot can't initiate conversation") is expected: the kick is done.
    assert kick.state == pb.ACTION_STATE_DONE
    assert (await world.control.member(world.group, user))["status"] == "kicked"


async def test_the_warning_says_when_the_kick_comes(world: Group, enforcement: Stub) -> None:
    user = await world.member("Kes")

    await muted(enforcement, world, user, "rk:4", kick_after=5)

    [shown] = [c for c in await world.calls("sendMessage") if f"{user}" in c["params"]["text"]]
    assert "within 5 minutes, you will be removed" in shown["params"]["text"]
