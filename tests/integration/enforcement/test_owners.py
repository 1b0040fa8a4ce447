"""Owners in control (issue 12), as enforcement sees it: the list of who is restricted, observe
mode, the figures of /stats. (Their releases: test_releases.py.) Each on PostgreSQL + Redis and
on SQLite + the in-process queue."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, muted, recent_actions, state_of
from tests.support.enforcement import Group, warning
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


PERIOD = 3


async def test_the_restrictions_of_a_group_are_listed_by_page_with_name_reason_and_since(
    world: Group, enforcement: Stub
) -> None:
    users = [await world.member(f"P{n}") for n in range(3)]
    started = time.time()
    for n, user in enumerate(users):
        await muted(enforcement, world, user, f"p:{n}")

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
    assert "• muted 2 members" in digest["params"]["text"]
    assert "• deleted 3 messages" in digest["params"]["text"]
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


@pytest.mark.parametrize("enforcement", [{"observe_digest_seconds": PERIOD}], indirect=True)
async def test_each_recipient_gets_one_digest_a_period_and_a_repeated_observation_adds_none(
    world: Group, enforcement: Stub
) -> None:
    co_admin = await world.member("Co-admin")
    for user in (world.owner, co_admin):
        await world.control.say_to_bot(world.bot_id, user, "/start")
    member = await world.member("O")
    # The deprecated single recipient and a repeat in the list count once.
    observe = pb.Observation(
        digest_user_id=world.owner,
        digest_user_ids=[world.owner, co_admin, co_admin],
        language="en",
        group_title="Chat",
        # The owner never said (the group's language); the co-admin speaks Russian.
        digest_languages=["", "ru"],
    )
    await asyncio.sleep(PERIOD - time.time() % PERIOD)  # both requests within one period
    for _ in range(2):
        await enforcement.Enforce(
            pb.EnforceRequest(
                idempotency_key="o:same",
                group_id=world.group,
                user_id=member,
                reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
                action=pb.MEMBER_ACTION_MUTE,
                message_id=await world.said(member),
                warning=warning(),
                observe=observe,
            )
        )

    async def both_digested() -> bool:
        return len(await world.calls("sendMessage")) >= 2

    await eventually(both_digested, seconds=10)
    await asyncio.sleep(PERIOD + 0.5)  # a third digest, if there were one, would be out

    digests = {int(d["params"]["chat_id"]): d for d in await world.calls("sendMessage")}
    assert sorted(digests) == sorted([world.owner, co_admin])
    assert "• muted 1 member\n" in digests[world.owner]["params"]["text"]
    assert "Go live" in digests[world.owner]["params"]["reply_markup"]
    assert "• был бы ограничен 1 участник\n" in digests[co_admin]["params"]["text"]
    [[go_live]] = json.loads(digests[co_admin]["params"]["reply_markup"])["inline_keyboard"]
    assert go_live["text"] == "🚀 Включить защиту"


async def test_the_stats_of_a_group_come_from_its_ledger_and_its_activity(
    world: Group, enforcement: Stub
) -> None:
    joiner, stayer = await world.member("J"), await world.member("S")
    await muted(enforcement, world, joiner, "st:1")
    await muted(enforcement, world, stayer, "st:2")
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

    spent = sum(a.telegram_calls for a in await recent_actions(enforcement, world))
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
