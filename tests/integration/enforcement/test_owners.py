"""Owners in control (issue 12), as enforcement sees it: releases that undo everything GMBot
holds (and cancel what it planned), the list of who is restricted, observe mode, the figures of
/stats. Each on PostgreSQL + Redis and on SQLite + the in-process queue."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.conftest import Group, eventually, warning
from tests.integration.enforcement.test_actions import done, enforce, state_of

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub

PERIOD = 3


async def _ledger(stub: Stub, world: Group) -> list[pb.ActionRecord]:
    answer = await stub.ListRecentActions(
        pb.ListRecentActionsRequest(group_id=world.group, limit=200)
    )
    return list(answer.actions)


async def _of_kind(stub: Stub, world: Group, kind: int, user: int) -> list[pb.ActionRecord]:
    return [a for a in await _ledger(stub, world) if a.kind == kind and a.user_id == user]


async def _muted(stub: Stub, world: Group, user: int, key: str, kick_after: int = 0) -> None:
    response = await stub.Enforce(
        pb.EnforceRequest(
            idempotency_key=key,
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
            action=pb.MEMBER_ACTION_MUTE,
            message_id=await world.said(user),
            warning=warning(user_display_name=f"Member {user}"),
            kick_after_minutes=kick_after,
        )
    )
    await done(stub, world, response.action_id)


async def test_releasing_a_group_lifts_every_mute_and_warning_and_cancels_what_was_planned(
    world: Group, enforcement: Stub
) -> None:
    """/unprotect: before, a mute kept being renewed and a scheduled kick still fired."""
    first, second = await world.member("Ann"), await world.member("Bob")
    await _muted(enforcement, world, first, "g:1", kick_after=5)
    await _muted(enforcement, world, second, "g:2")
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
    planned = await _of_kind(enforcement, world, pb.ACTION_KIND_RENEW_MUTE, first)
    planned += await _of_kind(enforcement, world, pb.ACTION_KIND_KICK, first)
    planned += await _of_kind(enforcement, world, pb.ACTION_KIND_RENEW_MUTE, second)
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
    await _muted(enforcement, world, user, "k:1", kick_after=1)

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
        (planned,) = await _of_kind(enforcement, world, kind, user)
        assert planned.state == pb.ACTION_STATE_SKIPPED
        assert planned.error == "cancelled: released (exempted)"
    assert (await world.control.member(world.group, user))["status"] == "member"


async def test_a_release_after_an_admin_lifted_the_mute_by_hand_only_updates_the_ledger(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Lee")
    await _muted(enforcement, world, user, "l:1")
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
    await _muted(enforcement, world, user, "s:1")
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

    (failed,) = [a for a in await _ledger(enforcement, world) if a.action_id == suspended.action_id]
    assert failed.state == pb.ACTION_STATE_FAILED
    assert failed.error.startswith("1 restriction(s) could not be lifted")
    assert [r.user_id for r in still.restrictions] == [user]
    assert await state_of(enforcement, world, resumed.action_id) == pb.ACTION_STATE_DONE
    assert (await world.control.member(world.group, user))["status"] == "member"


async def test_the_restrictions_of_a_group_are_listed_by_page_with_name_reason_and_since(
    world: Group, enforcement: Stub
) -> None:
    users = [await world.member(f"P{n}") for n in range(3)]
    started = time.time()
    for n, user in enumerate(users):
        await _muted(enforcement, world, user, f"p:{n}")

    first = await enforcement.ListGroupRestrictions(
        pb.ListGroupRestrictionsRequest(group_id=world.group, limit=2)
    )
    rest = await enforcement.ListGroupRestrictions(
        pb.ListGroupRestrictionsRequest(group_id=world.group, offset=2, limit=2)
    )
    await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="p:unmute",
            group_id=world.group,
            user_id=users[0],
            reason=pb.ACTION_REASON_UNMUTED_BY_ADMIN,
        )
    )
    # A release takes the member off the list as it is accepted, before it is carried out.
    after = await enforcement.ListGroupRestrictions(
        pb.ListGroupRestrictionsRequest(group_id=world.group)
    )

    assert (first.total, rest.total) == (3, 3)
    listed = [*first.restrictions, *rest.restrictions]
    assert [r.user_id for r in listed] == users
    assert [r.display_name for r in listed] == [f"Member {u}" for u in users]
    assert {r.reason for r in listed} == {pb.ACTION_REASON_NOT_SUBSCRIBED}
    assert all(started - 1 <= r.since.seconds <= time.time() for r in listed)
    assert all(r.until.seconds > time.time() + 86400 for r in listed)
    assert [r.user_id for r in after.restrictions] == users[1:]


@pytest.mark.parametrize("enforcement", [{"observe_digest_seconds": PERIOD}], indirect=True)
async def test_observed_actions_are_recorded_never_carried_out_and_reported_once_a_period(
    world: Group, enforcement: Stub
) -> None:
    await world.control.say_to_bot(world.bot_id, world.owner, "/start")
    users = [await world.member(f"O{n}") for n in range(2)]
    observe = pb.Observation(digest_user_id=world.owner, language="en", group_title="Chat")
    responses = []
    await asyncio.sleep(PERIOD - time.time() % PERIOD)  # all three within one period
    for n, user in enumerate([*users, users[0]]):
        responses.append(
            await enforcement.Enforce(
                pb.EnforceRequest(
                    idempotency_key=f"o:{n}",
                    group_id=world.group,
                    user_id=user,
                    reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
                    action=pb.MEMBER_ACTION_MUTE,
                    message_id=await world.said(user),
                    warning=warning(),
                    observe=observe,
                )
            )
        )

    async def digested() -> bool:
        return bool(await world.calls("sendMessage"))

    await eventually(digested, seconds=10)
    await asyncio.sleep(PERIOD + 0.5)  # a second digest, if there were one, would be out

    for response in responses:
        assert await state_of(enforcement, world, response.action_id) == pb.ACTION_STATE_OBSERVED
    (digest,) = await world.calls("sendMessage")
    assert digest["params"]["chat_id"] == str(world.owner)
    assert "would have muted 2 member(s)" in digest["params"]["text"]
    assert "deleted 3 message(s)" in digest["params"]["text"]
    assert "They do not follow: News." in digest["params"]["text"]
    methods = {c["method"] for c in await world.control.journal()}
    assert methods == {"sendMessage"}
    for user in users:
        assert (await world.control.member(world.group, user))["status"] == "member"
    stats = await enforcement.GetGroupStats(pb.GetGroupStatsRequest(group_id=world.group))
    assert stats.last_day.observed_members_muted == 2
    assert stats.last_day.observed_members_warned == 2
    assert stats.last_day.observed_messages_deleted == 3
    assert stats.last_day.members_muted == 0


async def test_the_stats_of_a_group_come_from_its_ledger_and_its_activity(
    world: Group, enforcement: Stub
) -> None:
    joiner, stayer = await world.member("J"), await world.member("S")
    await _muted(enforcement, world, joiner, "st:1")
    await _muted(enforcement, world, stayer, "st:2")
    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="st:joined",
            group_id=world.group,
            user_id=joiner,
            reason=pb.ACTION_REASON_JOINED_CHANNEL,
        )
    )
    await done(enforcement, world, released.action_id)
    hour = int(time.time()) // 3600
    await enforcement.RecordActivity(
        pb.RecordActivityRequest(
            activities=[
                pb.GroupActivity(group_id=world.group, hour=hour, messages_checked=5),
                pb.GroupActivity(
                    group_id=world.group, hour=hour, messages_checked=2, joins_checked=1
                ),
                pb.GroupActivity(
                    group_id=world.group, hour=hour - 48, messages_checked=100, bot_api_calls=7
                ),
                # Twenty days ago: in the month only.
                pb.GroupActivity(group_id=world.group, hour=hour - 480, messages_checked=1000),
            ]
        )
    )
    # A later batch adds to the hours already counted.
    await enforcement.RecordActivity(
        pb.RecordActivityRequest(
            activities=[pb.GroupActivity(group_id=world.group, hour=hour, messages_checked=3)]
        )
    )

    stats = await enforcement.GetGroupStats(pb.GetGroupStatsRequest(group_id=world.group))

    spent = sum(a.telegram_calls for a in await _ledger(enforcement, world))
    assert spent == len(await world.control.journal())
    day, week = stats.last_day, stats.last_week
    month = stats.last_month
    assert (day.hours, week.hours, month.hours) == (24, 168, 720)
    assert (day.messages_checked, day.joins_checked) == (10, 1)
    assert week.messages_checked == 110
    assert month.messages_checked == 1110
    assert month.members_joined_after_warning == day.members_joined_after_warning
    assert (day.members_warned, day.members_muted) == (2, 2)
    assert day.members_joined_after_warning == 1
    assert (day.unmuted_by_joining, day.unmuted_by_button, day.unmuted_by_admins) == (1, 0, 0)
    assert day.bot_api_calls == spent
    assert week.bot_api_calls == spent + 7
    assert stats.currently_muted == 1
