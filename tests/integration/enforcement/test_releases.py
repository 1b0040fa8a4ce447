"""Releases, of a member and of a whole group: GMBot lifts only what it imposed, removes its
warnings and cancels what it planned; a decision taken before a release is not carried out after
it. Each on PostgreSQL + Redis and on SQLite + the in-process queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import (
    done,
    enforce,
    muted,
    of_kind,
    recent_actions,
    state_of,
)
from tests.support.enforcement import Group

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def test_release_restores_the_groups_permissions_and_removes_the_warning(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member()
    enforced = await enforce(enforcement, world, user, "r:enforce")
    await done(enforcement, world, enforced.action_id)
    (sent,) = await world.calls("sendMessage")
    warning_id = sent["result"]["message_id"]

    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="r:release",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_VERIFIED,
        )
    )
    await done(enforcement, world, released.action_id)

    assert (await world.control.member(world.group, user))["status"] == "member"
    assert [c["params"]["message_id"] for c in await world.calls("deleteMessage")] == [
        str(warning_id)
    ]
    held = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))
    assert list(held.group_ids) == []


async def test_release_never_lifts_a_restriction_gmbot_did_not_impose(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member()
    await world.control.set_member(
        world.group, user, "restricted", is_member=True, actor_id=world.owner
    )

    released = await enforcement.Release(
        pb.ReleaseRequest(idempotency_key="own", group_id=world.group, user_id=user)
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_SKIPPED
    assert (await world.control.member(world.group, user))["status"] == "restricted"
    assert await world.calls("restrictChatMember") == []


async def test_restricted_groups_list_gmbots_own_mutes(world: Group, enforcement: Stub) -> None:
    user = await world.member()
    enforced = await enforce(enforcement, world, user, "list")
    await done(enforcement, world, enforced.action_id)

    held = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))

    assert list(held.group_ids) == [world.group]


async def test_releasing_a_group_lifts_every_mute_and_warning_and_cancels_what_was_planned(
    world: Group, enforcement: Stub
) -> None:
    """/unprotect: before, a mute kept being renewed and a scheduled kick still fired."""
    first, second = await world.member("Ann"), await world.member("Bob")
    await muted(enforcement, world, first, "g:1", kick_after=5)
    await muted(enforcement, world, second, "g:2")
    warnings = {c["result"]["message_id"] for c in await world.calls("sendMessage")}
    before = len(await world.control.journal())

    released = await enforcement.ReleaseGroup(
        pb.ReleaseGroupRequest(
            idempotency_key="unprotect", group_id=world.group, reason=pb.ACTION_REASON_UNPROTECTED
        )
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_DONE
    for user in (first, second):
        assert (await world.control.member(world.group, user))["status"] == "member"
    calls = (await world.control.journal())[before:]
    assert sorted(c["method"] for c in calls) == sorted(
        ["deleteMessage"] * len(warnings)
        + ["getChatMember", "restrictChatMember"] * 2
        + ["getChat"]  # the group's default permissions, read once
    )
    assert {c["params"]["message_id"] for c in calls if c["method"] == "deleteMessage"} == {
        str(w) for w in warnings
    }
    unmutes = [c for c in calls if c["method"] == "restrictChatMember"]
    assert all(json.loads(c["params"]["permissions"])["can_send_messages"] for c in unmutes)
    planned = await of_kind(enforcement, world, pb.ACTION_KIND_RENEW_MUTE, first)
    planned += await of_kind(enforcement, world, pb.ACTION_KIND_KICK, first)
    planned += await of_kind(enforcement, world, pb.ACTION_KIND_RENEW_MUTE, second)
    assert len(planned) == 3
    assert {(a.state, a.error) for a in planned} == {
        (pb.ACTION_STATE_SKIPPED, "cancelled: released (unprotected)")
    }
    listed = await enforcement.ListGroupRestrictions(
        pb.ListGroupRestrictionsRequest(group_id=world.group)
    )
    assert listed.total == 0


@pytest.mark.parametrize("enforcement", [{"workers": 1}], indirect=True)
async def test_a_decision_taken_before_a_release_is_not_carried_out_after_it(
    world: Group, enforcement: Stub
) -> None:
    """One Enforce waits inside Telegram's 429 (running), another in the queue (pending): the
    members are released meanwhile, and neither is muted nor warned afterwards."""
    waiting, queued = await world.member("Wes"), await world.member("Quinn")
    await world.control.set_faults(
        storm_seconds=2.0, storm_retry_after=1, storm_methods=["deleteMessage"]
    )
    running = await enforce(enforcement, world, waiting, "r:1", await world.said(waiting))
    pending = await enforce(enforcement, world, queued, "r:2", await world.said(queued))

    for user in (waiting, queued):
        await enforcement.Release(
            pb.ReleaseRequest(
                idempotency_key=f"exempt:{user}",
                group_id=world.group,
                user_id=user,
                reason=pb.ACTION_REASON_EXEMPTED,
            )
        )
    await done(enforcement, world, running.action_id, seconds=20)
    await done(enforcement, world, pending.action_id)

    assert await state_of(enforcement, world, running.action_id) == pb.ACTION_STATE_SKIPPED
    assert await state_of(enforcement, world, pending.action_id) == pb.ACTION_STATE_SKIPPED
    assert await world.calls("restrictChatMember") == []
    assert await world.calls("sendMessage") == []
    for user in (waiting, queued):
        assert (await world.control.member(world.group, user))["status"] == "member"


async def test_exempting_a_member_cancels_their_renewal_and_scheduled_kick(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Kim")
    await muted(enforcement, world, user, "k:1", kick_after=1)

    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="k:exempt",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_EXEMPTED,
        )
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_DONE
    for kind in (pb.ACTION_KIND_RENEW_MUTE, pb.ACTION_KIND_KICK):
        (planned,) = await of_kind(enforcement, world, kind, user)
        assert planned.state == pb.ACTION_STATE_SKIPPED
        assert planned.error == "cancelled: released (exempted)"
    assert (await world.control.member(world.group, user))["status"] == "member"


async def test_a_release_after_an_admin_lifted_the_mute_by_hand_only_updates_the_ledger(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Lee")
    await muted(enforcement, world, user, "l:1")
    await world.control.set_member(world.group, user, "member", actor_id=world.owner)
    before = len(await world.control.journal())

    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="l:lifted",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_LIFTED_BY_ADMIN,
        )
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_DONE
    calls = (await world.control.journal())[before:]
    assert [c["method"] for c in calls] == ["deleteMessage", "getChatMember"]
    held = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))
    assert list(held.group_ids) == []


async def test_without_the_right_to_restrict_a_group_release_keeps_what_it_could_not_lift(
    world: Group, enforcement: Stub
) -> None:
    """Suspended (the bot demoted): lifted once the rights are back."""
    user = await world.member("Sam")
    await muted(enforcement, world, user, "s:1")
    await world.control.promote(world.group, world.bot_id, {"can_delete_messages": True})

    suspended = await enforcement.ReleaseGroup(
        pb.ReleaseGroupRequest(
            idempotency_key="suspended", group_id=world.group, reason=pb.ACTION_REASON_SUSPENDED
        )
    )
    await done(enforcement, world, suspended.action_id)
    still = await enforcement.ListGroupRestrictions(
        pb.ListGroupRestrictionsRequest(group_id=world.group)
    )
    await world.control.promote(world.group, world.bot_id)
    resumed = await enforcement.ReleaseGroup(
        pb.ReleaseGroupRequest(
            idempotency_key="resumed", group_id=world.group, reason=pb.ACTION_REASON_SUSPENDED
        )
    )
    await done(enforcement, world, resumed.action_id)

    (failed,) = [
        a for a in await recent_actions(enforcement, world) if a.action_id == suspended.action_id
    ]
    assert failed.state == pb.ACTION_STATE_FAILED
    assert failed.error.startswith("1 restriction(s) could not be lifted")
    assert [r.user_id for r in still.restrictions] == [user]
    assert await state_of(enforcement, world, resumed.action_id) == pb.ACTION_STATE_DONE
    assert (await world.control.member(world.group, user))["status"] == "member"
