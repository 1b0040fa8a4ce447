"""Owners undo what GMBot did (issue 12), end to end through the sandbox: unprotect, exempt,
a suspended group, an administrator's own unmute. Each test asserts the Bot API calls it causes,
from the sandbox's journal."""

from __future__ import annotations

from collections import Counter

from gmbot.v1 import enforcement_pb2 as enforcement
from tests.support.e2e import E2E
from tests.support.e2e_steps import (
    button,
    command,
    methods,
    muted,
    permissions,
    planned,
    press,
    status_in,
    status_is,
)


async def test_unprotect_lifts_every_mute_and_warning_and_cancels_renewals_and_kicks(
    e2e: E2E,
) -> None:
    """Before: a GMBot mute kept being renewed after /unprotect, and a scheduled kick fired."""
    scene = await e2e.scene(("carol", False), ("dave", False))
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 1", "Kick after is now"
    )
    warnings = [await muted(e2e, scene, name) for name in ("carol", "dave")]
    mark = await e2e.mark()

    await command(e2e, scene.group, scene.owner, "/unprotect", "Protection is off")

    async def all_free() -> bool:
        return all([await status_is(e2e, scene.group, u, "member") for u in scene.members.values()])

    await e2e.wait_for(all_free)
    await e2e.settle()

    calls = await e2e.calls(mark, scene.group)
    assert Counter(methods(calls)) == Counter(
        {
            "sendMessage": 1,  # the reply
            "deleteMessage": len(warnings),
            "getChatMember": 2,
            "getChat": 1,  # the group's default permissions
            "restrictChatMember": 2,
        }
    )
    assert {c["params"]["message_id"] for c in calls if c["method"] == "deleteMessage"} == {
        str(w["result"]["message_id"]) for w in warnings
    }
    unmutes = [c for c in calls if c["method"] == "restrictChatMember"]
    assert {c["params"]["user_id"] for c in unmutes} == {str(u) for u in scene.members.values()}
    assert all(permissions(c)["can_send_messages"] for c in unmutes)
    for user in scene.members.values():
        cancelled = await planned(e2e, scene, user)
        assert sorted(a.kind for a in cancelled) == [
            enforcement.ACTION_KIND_KICK,
            enforcement.ACTION_KIND_RENEW_MUTE,
        ]
        assert {(a.state, a.error) for a in cancelled} == {
            (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (unprotected)")
        }
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "free to speak")
    await e2e.settle(1.5)
    assert await e2e.calls(mark, scene.group) == []


async def test_exempting_a_member_unmutes_them_at_once_and_cancels_what_was_planned(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("vip", False))
    vip = scene.members["vip"]
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 5", "Kick after is now"
    )
    warning = await muted(e2e, scene, "vip")
    mark = await e2e.mark()

    await command(
        e2e, scene.group, scene.owner, f"/settings exempt_user_ids {vip}", "Exempt users is now"
    )
    await e2e.wait_for(lambda: status_is(e2e, scene.group, vip, "member"))
    await e2e.settle()

    calls = await e2e.calls(mark, scene.group)
    assert sorted(methods(calls)) == sorted(
        [
            "sendMessage",
            "deleteMessage",
            "getChatMember",
            "getChat",
            "restrictChatMember",
        ]
    )
    deleted = next(c for c in calls if c["method"] == "deleteMessage")
    assert deleted["params"]["message_id"] == str(warning["result"]["message_id"])
    assert {(a.state, a.error) for a in await planned(e2e, scene, vip)} == {
        (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (exempted)")
    }


async def test_a_suspended_group_lifts_what_it_can_and_the_rest_once_its_rights_are_back(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.promote(
        scene.group, e2e.bot_id, {"can_delete_messages": True}, actor_id=scene.owner
    )
    stopped = await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    await e2e.wait_for_call(mark, "deleteMessage", scene.group)  # its warning goes
    await e2e.settle()
    while_suspended = await e2e.calls(mark, scene.group)
    still = await status_in(e2e, scene.group, carol)
    mark = await e2e.mark()
    await e2e.control.promote(scene.group, e2e.bot_id, actor_id=scene.owner)
    resumed = await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    await e2e.wait_for(lambda: status_is(e2e, scene.group, carol, "member"))

    assert "stopped protecting" in stopped["params"]["text"]
    assert "lift the mutes I imposed" in stopped["params"]["text"]
    # It tried: Telegram refused the unmute without the right to restrict.
    unmute = next(c for c in while_suspended if c["method"] == "restrictChatMember")
    assert not unmute["ok"]
    assert "not enough rights" in unmute["description"]
    assert still == "restricted"
    assert "I protect «Group" in resumed["params"]["text"]
    assert "I lifted 1 mute I imposed there" in resumed["params"]["text"]
    lifted = [c for c in await e2e.calls(mark, scene.group) if c["method"] == "restrictChatMember"]
    assert [(c["params"]["user_id"], c["ok"]) for c in lifted] == [(str(carol), True)]


async def test_an_admin_who_unmutes_by_hand_wins_the_member_is_exempt_until_removed(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    warning = await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.set_member(scene.group, carol, "member", actor_id=scene.owner)
    await e2e.wait_for_call(mark, "deleteMessage", scene.group)

    async def exempt() -> bool:
        return carol in (await e2e.policy(scene.group)).settings.exempt_user_ids

    await e2e.wait_for(exempt)
    await e2e.control.say(scene.group, carol, "the admin let me speak")
    await e2e.settle(1.5)
    # GMBot let go (its warning removed, its renewal cancelled) and mutes her no more.
    assert methods(await e2e.calls(mark, scene.group)) == ["deleteMessage", "getChatMember"]
    assert (await e2e.calls(mark, scene.group))[0]["params"]["message_id"] == str(
        warning["result"]["message_id"]
    )
    assert {(a.state, a.error) for a in await planned(e2e, scene, carol)} == {
        (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (lifted_by_admin)")
    }

    status = await command(e2e, scene.group, scene.owner, "/status", "Exempt")
    assert f"tg://user?id={carol}" in status["params"]["text"]
    mark = await e2e.mark()
    answer = await press(e2e, scene.group, status, scene.owner, button(status, str(carol)))
    edited = await e2e.wait_for_call(mark, "editMessageText", scene.group)
    await e2e.control.say(scene.group, carol, "and now?")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)

    assert answer["text"] == f"{carol} is checked again here."
    assert "Exempt" not in edited["params"]["text"]
    assert carol not in (await e2e.policy(scene.group)).settings.exempt_user_ids
