"""Other people's actions win (issue 21), as enforcement sees them: a member GMBot muted whom an
administrator or another bot then banned, removed or restricted is theirs. GMBot's renewals and
scheduled kicks read the member from Telegram first and end GMBot's record instead of acting;
a removal never unbans; a release lifts only GMBot's own mute. Each on PostgreSQL + Redis and on
SQLite + the in-process queue, with Telegram's updates never reaching enforcement (the gateway's
part is tested elsewhere): this is the defence at action time."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from gmbot.enforcement.domain.actions import Kind
from gmbot.sandbox.world import PERMISSIONS
from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, muted, of_kind
from tests.support.enforcement import Group, due_now
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub

# The other administrator's restriction: forever, and not only the messages.
FOREVER = 0


async def _finished(stub: Stub, world: Group, kind: Kind, user: int) -> pb.ActionRecord:
    """Makes the member's pending follow-up of that kind due now, and waits for its end."""
    assert await due_now(world.ledger_url, kind, user) == 1
    listed = pb.ActionKind.Value(f"ACTION_KIND_{kind.name}")
    found: list[pb.ActionRecord] = []

    async def finished() -> bool:
        found[:] = [
            a
            for a in await of_kind(stub, world, listed, user)
            if a.state != pb.ACTION_STATE_PENDING
        ]
        return bool(found)

    await eventually(finished, 15)
    return found[0]


async def _gmbots_calls(world: Group, since: int) -> list[dict[str, Any]]:
    """What GMBot asked of Telegram since then, apart from reading members."""
    calls = (await world.control.journal(bot_id=world.bot_id))[since:]
    return [c for c in calls if c["method"] != "getChatMember"]


async def _journal_size(world: Group) -> int:
    return len(await world.control.journal(bot_id=world.bot_id))


async def _held(stub: Stub, user: int) -> list[int]:
    answer = await stub.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))
    return list(answer.group_ids)


async def _other_bot(world: Group) -> int:
    """Another bot administering the group (a captcha bot, say)."""
    other = int((await world.control.create_bot("captcha_bot"))["user"]["id"])
    await world.control.promote(world.group, other)
    return other


async def test_kick_after_never_unbans_a_member_an_admin_banned(
    world: Group, enforcement: Stub
) -> None:
    """Before: the kick-after deadline banned and then unbanned the member, freeing someone an
    administrator had banned meanwhile."""
    user = await world.member("Ivan")
    await muted(enforcement, world, user, "kb:1", kick_after=5)
    await world.control.moderate(world.group, user, world.owner, "ban")
    since = await _journal_size(world)

    kick = await _finished(enforcement, world, Kind.KICK, user)

    assert kick.state == pb.ACTION_STATE_SKIPPED
    assert await _gmbots_calls(world, since) == []
    assert (await world.control.member(world.group, user))["status"] == "kicked"
    assert await _held(enforcement, user) == []


async def test_kick_after_removes_by_a_ban_that_ends_by_itself(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Kira")
    await muted(enforcement, world, user, "ke:1", kick_after=5)
    since = await _journal_size(world)

    kick = await _finished(enforcement, world, Kind.KICK, user)

    assert kick.state == pb.ACTION_STATE_DONE
    # The ban, and the try to tell the member why (test_removals.py).
    ban, _ = await _gmbots_calls(world, since)
    assert ban["method"] == "banChatMember"
    assert 30 < int(ban["params"]["until_date"]) - time.time() <= 61
    assert (await world.control.member(world.group, user))["status"] == "kicked"
    await world.control.advance_clock(61)
    assert (await world.control.member(world.group, user))["status"] == "left"  # may come back


async def test_a_kick_leaves_an_admins_ban_as_it_is(world: Group, enforcement: Stub) -> None:
    """A ban of GMBot's own would shorten the administrator's ban to a minute."""
    user = await world.member("Lars")
    await world.control.moderate(world.group, user, world.owner, "ban")
    since = await _journal_size(world)

    kick = await enforcement.Kick(
        pb.KickRequest(idempotency_key="kl:1", group_id=world.group, user_id=user)
    )
    await done(enforcement, world, kick.action_id)

    assert await _gmbots_calls(world, since) == []
    member = await world.control.member(world.group, user)
    assert (member["status"], member["until_date"]) == ("kicked", FOREVER)


async def test_an_admins_ban_ends_gmbots_mute_renewals(world: Group, enforcement: Stub) -> None:
    """Before: the renewal restricted the banned member again, which in Telegram lifts a ban."""
    user = await world.member("Mia")
    await muted(enforcement, world, user, "rb:1")
    await world.control.moderate(world.group, user, world.owner, "ban")
    since = await _journal_size(world)

    renewal = await _finished(enforcement, world, Kind.RENEW_MUTE, user)

    assert renewal.state == pb.ACTION_STATE_SKIPPED
    assert await _gmbots_calls(world, since) == []
    assert (await world.control.member(world.group, user))["status"] == "kicked"
    assert await _held(enforcement, user) == []


async def test_a_renewal_renews_gmbots_own_mute(world: Group, enforcement: Stub) -> None:
    user = await world.member("Nia")
    await muted(enforcement, world, user, "rr:1")
    since = await _journal_size(world)

    renewal = await _finished(enforcement, world, Kind.RENEW_MUTE, user)

    assert renewal.state == pb.ACTION_STATE_DONE
    (restrict,) = await _gmbots_calls(world, since)
    assert restrict["method"] == "restrictChatMember"
    assert json.loads(restrict["params"]["permissions"])["can_send_messages"] is False
    assert await _held(enforcement, user) == [world.group]


async def test_a_restriction_by_another_bot_is_never_lifted_by_gmbot(
    world: Group, enforcement: Stub
) -> None:
    """Before: the renewal put GMBot's mute over the other bot's restriction, and the member's
    release then lifted it: the other bot's restriction was gone."""
    other = await _other_bot(world)
    user = await world.member("Otto")
    await muted(enforcement, world, user, "ob:1")
    await world.control.moderate(world.group, user, other, "restrict", until_date=FOREVER)
    since = await _journal_size(world)

    renewal = await _finished(enforcement, world, Kind.RENEW_MUTE, user)
    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="ob:verified",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_VERIFIED,
        )
    )
    await done(enforcement, world, released.action_id)

    assert renewal.state == pb.ACTION_STATE_SKIPPED
    assert [c["method"] for c in await _gmbots_calls(world, since)] == ["deleteMessage"]
    member = await world.control.member(world.group, user)
    assert (member["status"], member["until_date"]) == ("restricted", FOREVER)


async def test_unprotect_leaves_an_admins_ban_alone(world: Group, enforcement: Stub) -> None:
    """Neither the ban of one member nor another bot's restriction of another is undone by
    GMBot letting go of the whole group (/unprotect, a suspension, /check's resumption)."""
    other = await _other_bot(world)
    banned, restricted = await world.member("Pia"), await world.member("Quin")
    await muted(enforcement, world, banned, "ub:1")
    await muted(enforcement, world, restricted, "ub:2")
    await world.control.moderate(world.group, banned, world.owner, "ban")
    await world.control.moderate(world.group, restricted, other, "restrict")
    since = await _journal_size(world)

    released = await enforcement.ReleaseGroup(
        pb.ReleaseGroupRequest(
            idempotency_key="ub:unprotect",
            group_id=world.group,
            reason=pb.ACTION_REASON_UNPROTECTED,
        )
    )
    await done(enforcement, world, released.action_id)

    assert {c["method"] for c in await _gmbots_calls(world, since)} == {"deleteMessage"}
    assert (await world.control.member(world.group, banned))["status"] == "kicked"
    assert (await world.control.member(world.group, restricted))["status"] == "restricted"


async def test_an_overruled_release_ends_gmbots_record_and_asks_telegram_nothing(
    world: Group, enforcement: Stub
) -> None:
    """The gateway saw someone else act on the member: the warning goes, the renewal and the
    scheduled kick are cancelled, and not even getChatMember is asked."""
    other = await _other_bot(world)
    user = await world.member("Rae")
    await muted(enforcement, world, user, "or:1", kick_after=5)
    await world.control.moderate(
        world.group, user, other, "restrict", permissions=dict.fromkeys(PERMISSIONS, True)
    )
    since = await _journal_size(world)

    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="or:overruled",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_OVERRULED,
        )
    )
    await done(enforcement, world, released.action_id)

    calls = (await world.control.journal(bot_id=world.bot_id))[since:]
    assert [c["method"] for c in calls] == ["deleteMessage"]
    for kind in (pb.ACTION_KIND_RENEW_MUTE, pb.ACTION_KIND_KICK):
        (planned,) = await of_kind(enforcement, world, kind, user)
        assert (planned.state, planned.error) == (
            pb.ACTION_STATE_SKIPPED,
            "cancelled: released (overruled)",
        )
    assert await _held(enforcement, user) == []
