"""Other people's actions win (issue 21), end to end: an administrator or another bot bans,
removes, restricts or unmutes a member GMBot muted, Telegram tells the gateway (a chat_member
update from them), and GMBot's record of the member ends: the sandbox's journal shows GMBot never
renewing, unbanning or unmuting over them. Only a person's unmute by hand exempts the member."""

from __future__ import annotations

import pytest

from gmbot.enforcement.domain.actions import Kind
from gmbot.sandbox.world import PERMISSIONS
from gmbot.v1 import enforcement_pb2 as enforcement
from tests.support.e2e import E2E, Scene
from tests.support.e2e_steps import Call, command, methods, muted, planned, status_in
from tests.support.enforcement import due_now

# What would undo someone else's ban or restriction.
UNDOING = frozenset({"restrictChatMember", "unbanChatMember", "banChatMember"})


async def _gmbot_on(e2e: E2E, since: int, scene: Scene, user: int) -> list[Call]:
    """GMBot's calls about the member since then."""
    return [
        c for c in await e2e.calls(since, scene.group) if c["params"].get("user_id") == str(user)
    ]


async def _other_bot(e2e: E2E, scene: Scene) -> int:
    """Another bot administering the group: a captcha bot, say."""
    other = await e2e.control.create_bot(f"captcha_{scene.group % 100_000}_bot")
    await e2e.control.promote(scene.group, int(other["user"]["id"]))
    return int(other["user"]["id"])


async def _overruled(e2e: E2E, scene: Scene, user: int) -> None:
    """Waits until GMBot let go of the member because someone else acted."""

    async def released() -> bool:
        return any(
            a.kind == enforcement.ACTION_KIND_RELEASE
            and a.user_id == user
            and a.reason == enforcement.ACTION_REASON_OVERRULED
            and a.state != enforcement.ACTION_STATE_PENDING
            for a in await e2e.ledger(scene.group)
        )

    await e2e.wait_for(released)


@pytest.mark.parametrize("action", ["ban", "kick"])
async def test_an_admins_ban_ends_gmbots_mute_renewals(e2e: E2E, action: str) -> None:
    """A ban, or a kick (ban then unban): no renewal, no scheduled kick, nothing undone."""
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 1", "Kick after is now"
    )
    warning = await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.moderate(scene.group, carol, scene.owner, action)
    await _overruled(e2e, scene, carol)
    await e2e.settle()

    assert methods(await e2e.calls(mark, scene.group)) == ["deleteMessage"]  # its warning
    assert (await e2e.calls(mark, scene.group))[0]["params"]["message_id"] == str(
        warning["result"]["message_id"]
    )
    assert {(a.state, a.error) for a in await planned(e2e, scene, carol)} == {
        (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (overruled)")
    }
    assert await status_in(e2e, scene.group, carol) == ("kicked" if action == "ban" else "left")
    assert carol not in (await e2e.policy(scene.group)).settings.exempt_user_ids


async def test_kick_after_never_unbans_a_member_an_admin_banned(e2e: E2E) -> None:
    """Before: the deadline banned and unbanned her, freeing her. Here the ban's update never
    reaches GMBot (lost): the kick itself sees the ban and leaves it alone."""
    scene = await e2e.scene(("dora", False))
    dora = scene.members["dora"]
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 1", "Kick after is now"
    )
    await muted(e2e, scene, "dora")
    await e2e.control.set_member(scene.group, dora, "kicked", undelivered=True)
    mark = await e2e.mark()

    database = e2e.stack.config.enforcement_database_url
    assert database is not None
    assert await due_now(database, Kind.KICK, dora) == 1

    async def kick_ended() -> bool:
        kicks = [
            a for a in await planned(e2e, scene, dora) if a.kind == enforcement.ACTION_KIND_KICK
        ]
        return kicks[0].state != enforcement.ACTION_STATE_PENDING if kicks else False

    await e2e.wait_for(kick_ended)

    assert not UNDOING & set(methods(await _gmbot_on(e2e, mark, scene, dora)))
    assert await status_in(e2e, scene.group, dora) == "kicked"


async def test_an_unmute_by_another_bot_is_not_an_exemption(e2e: E2E) -> None:
    """Before: a captcha bot lifting its restriction exempted the member for good."""
    scene = await e2e.scene(("erin", False))
    erin = scene.members["erin"]
    other = await _other_bot(e2e, scene)
    await muted(e2e, scene, "erin")

    everything = dict.fromkeys(PERMISSIONS, True)
    await e2e.control.moderate(scene.group, erin, other, "restrict", permissions=everything)
    await _overruled(e2e, scene, erin)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, erin, "the captcha bot let me in")

    again = await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=erin)
    assert erin not in (await e2e.policy(scene.group)).settings.exempt_user_ids
    assert again["ok"]


async def test_a_restriction_by_another_bot_is_never_lifted_by_gmbot(e2e: E2E) -> None:
    """Neither her joining the channel (which verifies her) nor /unprotect lifts it."""
    scene = await e2e.scene(("fay", False))
    fay = scene.members["fay"]
    other = await _other_bot(e2e, scene)
    await muted(e2e, scene, "fay")

    await e2e.control.moderate(scene.group, fay, other, "restrict")
    await _overruled(e2e, scene, fay)
    mark = await e2e.mark()
    await e2e.control.join(scene.channel, fay)
    await e2e.settle()
    await command(e2e, scene.group, scene.owner, "/unprotect", "Protection is off")
    await e2e.settle()

    assert not UNDOING & set(methods(await _gmbot_on(e2e, mark, scene, fay)))
    member = await e2e.control.member(scene.group, fay)
    assert (member["status"], member["can_send_messages"]) == ("restricted", False)


async def test_unprotect_leaves_an_admins_ban_alone(e2e: E2E) -> None:
    scene = await e2e.scene(("gus", False), ("hal", False))
    gus, hal = scene.members["gus"], scene.members["hal"]
    await muted(e2e, scene, "gus")
    await muted(e2e, scene, "hal")
    await e2e.control.moderate(scene.group, gus, scene.owner, "ban")
    await _overruled(e2e, scene, gus)
    mark = await e2e.mark()

    await command(e2e, scene.group, scene.owner, "/unprotect", "Protection is off")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=hal)
    await e2e.settle()

    assert not UNDOING & set(methods(await _gmbot_on(e2e, mark, scene, gus)))
    assert await status_in(e2e, scene.group, gus) == "kicked"
    assert await status_in(e2e, scene.group, hal) == "member"  # GMBot's own mute is lifted
