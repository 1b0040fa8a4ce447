"""CheckMembership against the sandbox: every status, every failure, the cache, events."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.v1 import membership_pb2 as pb
from tests.support.membership import World

pytestmark = pytest.mark.redis_cluster

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub as Stub


async def check(
    stub: Stub, user: int, *chats: int, fresh: bool = False
) -> list[pb.ChannelMembership]:
    answer = await stub.CheckMembership(
        pb.CheckMembershipRequest(user_id=user, channel_ids=list(chats), fresh=fresh)
    )
    return list(answer.channels)


@pytest.mark.parametrize(
    ("status", "is_member", "expected"),
    [
        ("creator", False, pb.MEMBERSHIP_STATUS_MEMBER),
        ("administrator", False, pb.MEMBERSHIP_STATUS_MEMBER),
        ("member", False, pb.MEMBERSHIP_STATUS_MEMBER),
        ("restricted", True, pb.MEMBERSHIP_STATUS_MEMBER),
        ("restricted", False, pb.MEMBERSHIP_STATUS_NOT_MEMBER),
        ("left", False, pb.MEMBERSHIP_STATUS_NOT_MEMBER),
        ("kicked", False, pb.MEMBERSHIP_STATUS_NOT_MEMBER),
    ],
)
async def test_every_status_maps_right(
    world: World, membership: Stub, status: str, is_member: bool, expected: int
) -> None:
    user = await world.user()
    # Channels never answer "restricted"; the group stands in for that case.
    chat = world.group if status == "restricted" else world.channel
    await world.control.set_member(chat, user, status, is_member=is_member)

    (answer,) = await check(membership, user, chat)

    assert answer.status == expected
    assert answer.source == pb.ANSWER_SOURCE_TELEGRAM
    assert abs(answer.observed_at.ToSeconds() - time.time()) < 5


async def test_a_banned_user_is_not_subscribed(world: World, membership: Stub) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await world.control.set_member(world.channel, user, "kicked")

    (answer,) = await check(membership, user, world.channel)

    assert answer.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert answer.telegram_status == pb.CHAT_MEMBER_STATUS_KICKED


async def test_answers_come_from_the_cache_afterwards(world: World, membership: Stub) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await check(membership, user, world.channel)
    before = await world.calls()

    (answer,) = await check(membership, user, world.channel)

    assert answer.source == pb.ANSWER_SOURCE_CACHE
    assert await world.calls() == before


async def test_the_bot_demoted_in_a_channel_is_unknown_never_not_a_member(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await world.control.set_member(world.channel, world.bot_id, "member")

    (answer,) = await check(membership, user, world.channel)
    (again,) = await check(membership, user, world.channel)

    assert answer.status == pb.MEMBERSHIP_STATUS_UNKNOWN
    assert "member list is inaccessible" in answer.unknown_reason
    assert again.source == pb.ANSWER_SOURCE_TELEGRAM  # UNKNOWN is never cached


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"error_rate": 1.0}, "Internal Server Error"),
        ({"storm_seconds": 30, "storm_retry_after": 3}, "TelegramRetryAfter"),
    ],
)
async def test_telegram_failures_are_unknown(
    world: World, membership: Stub, fault: dict[str, object], words: str
) -> None:
    user = await world.user()
    await world.control.set_faults(**fault)

    (answer,) = await check(membership, user, world.channel)

    assert answer.status == pb.MEMBERSHIP_STATUS_UNKNOWN
    assert words in answer.unknown_reason or answer.unknown_reason


async def test_a_channel_the_bot_is_not_in_is_unknown(world: World, membership: Stub) -> None:
    other = (await world.control.create_chat("channel", "Other"))["id"]
    user = await world.user()

    answers = await check(membership, user, world.channel, other)

    assert answers[0].status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert answers[1].status == pb.MEMBERSHIP_STATUS_UNKNOWN
    assert "bot is not a member" in answers[1].unknown_reason


async def test_concurrent_checks_share_one_bot_api_call(world: World, membership: Stub) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await world.control.set_faults(latency=0.2)

    answers = await asyncio.gather(*(check(membership, user, world.channel) for _ in range(20)))

    assert {a[0].status for a in answers} == {pb.MEMBERSHIP_STATUS_MEMBER}
    assert await world.calls() == 1


async def test_a_fresh_check_asks_telegram_and_refreshes_the_cache(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await check(membership, user, world.channel)  # not a member, cached
    await world.control.join(world.channel, user)  # nobody told membership

    (stale,) = await check(membership, user, world.channel)
    (fresh,) = await check(membership, user, world.channel, fresh=True)
    (after,) = await check(membership, user, world.channel)

    assert stale.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert fresh.status == pb.MEMBERSHIP_STATUS_MEMBER
    assert fresh.source == pb.ANSWER_SOURCE_TELEGRAM
    assert after.status == pb.MEMBERSHIP_STATUS_MEMBER
    assert after.source == pb.ANSWER_SOURCE_CACHE


def _stamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromSeconds(int(seconds))
    return stamp


async def test_an_event_flips_the_answer_without_a_bot_api_call(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await check(membership, user, world.channel)
    calls = await world.calls()

    recorded = await membership.RecordChatMemberUpdate(
        pb.RecordChatMemberUpdateRequest(
            chat_id=world.channel,
            user_id=user,
            old_status=pb.CHAT_MEMBER_STATUS_MEMBER,
            new_status=pb.CHAT_MEMBER_STATUS_LEFT,
            date=_stamp(time.time() + 1),
        )
    )
    (answer,) = await check(membership, user, world.channel)

    assert recorded.applied
    assert answer.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert answer.source == pb.ANSWER_SOURCE_EVENT
    assert await world.calls() == calls


async def test_an_older_event_does_not_overwrite_a_newer_answer(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await world.control.join(world.channel, user)
    await check(membership, user, world.channel)

    stale = await membership.RecordChatMemberUpdate(
        pb.RecordChatMemberUpdateRequest(
            chat_id=world.channel,
            user_id=user,
            new_status=pb.CHAT_MEMBER_STATUS_LEFT,
            date=_stamp(time.time() - 3600),
        )
    )
    (answer,) = await check(membership, user, world.channel)

    assert not stale.applied
    assert answer.status == pb.MEMBERSHIP_STATUS_MEMBER


@pytest.mark.parametrize("membership", [{"not_member_ttl_seconds": 0.3}], indirect=True)
async def test_answers_expire_after_their_ttl(world: World, membership: Stub) -> None:
    user = await world.user()
    await check(membership, user, world.channel)
    await world.control.join(world.channel, user)

    await asyncio.sleep(0.4)
    (answer,) = await check(membership, user, world.channel)

    assert answer.status == pb.MEMBERSHIP_STATUS_MEMBER
    assert answer.source == pb.ANSWER_SOURCE_TELEGRAM


async def test_a_batch_spends_at_most_its_budget(world: World, membership: Stub) -> None:
    users = [await world.user(f"U{i}") for i in range(5)]

    answer = await membership.CheckMembershipBatch(
        pb.CheckMembershipBatchRequest(
            user_ids=users, channel_ids=[world.channel], max_telegram_calls=3
        )
    )

    statuses = [u.channels[0].status for u in answer.users]
    assert answer.telegram_calls == 3
    assert statuses.count(pb.MEMBERSHIP_STATUS_NOT_MEMBER) == 3
    assert statuses.count(pb.MEMBERSHIP_STATUS_UNKNOWN) == 2
    assert [u.user_id for u in answer.users] == users
    assert await world.calls() == 3


@pytest.mark.parametrize(
    "request_",
    [
        pb.CheckMembershipRequest(user_id=0, channel_ids=[-1001000000001]),
        pb.CheckMembershipRequest(user_id=5, channel_ids=[]),
        pb.CheckMembershipRequest(user_id=5, channel_ids=[-1001000000001, -1001000000001]),
        pb.CheckMembershipRequest(
            user_id=5, channel_ids=[-1001000000000 - i for i in range(1, 22)]
        ),
        pb.CheckMembershipRequest(user_id=5, channel_ids=[12345]),
    ],
)
async def test_bad_input_is_an_invalid_argument(
    membership: Stub, request_: pb.CheckMembershipRequest
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await membership.CheckMembership(request_)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
