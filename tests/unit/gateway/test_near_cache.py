"""The answers kept next to the decision: trusted only while the stream is live, newer wins,
events correct them; and the second look at messages let through as unknown."""

from __future__ import annotations

import asyncio

from gmbot.gateway.clients.near_cache import NearCache
from gmbot.gateway.flows.second_look import SecondLook
from gmbot.runtime.timestamps import to_timestamp
from gmbot.v1 import membership_pb2 as pb

USER, CHANNEL, GROUP = 42, -1001, -1002
MEMBER, NOT_MEMBER = pb.MEMBERSHIP_STATUS_MEMBER, pb.MEMBERSHIP_STATUS_NOT_MEMBER


def live_cache() -> NearCache:
    cache = NearCache()
    cache.went_live()  # what the watcher does when membership says `ready`
    return cache


def changed(status: pb.MembershipStatus.ValueType, observed: float) -> pb.MembershipChange:
    return pb.MembershipChange(
        answer=pb.AnswerChanged(
            user_id=USER, channel_id=CHANNEL, status=status, observed_at=to_timestamp(observed)
        )
    )


def test_nothing_is_kept_or_answered_while_the_stream_is_down() -> None:
    cache = NearCache()

    cache.remember_answer(USER, CHANNEL, MEMBER, 100.0)
    cache.remember_admins(GROUP, frozenset({1}))

    assert cache.answer(USER, CHANNEL) is None
    assert cache.admins(GROUP) is None


def test_an_event_corrects_a_kept_answer_and_an_older_answer_does_not() -> None:
    cache = live_cache()
    cache.remember_answer(USER, CHANNEL, NOT_MEMBER, 100.4)

    cache.apply(changed(MEMBER, 100.0))  # a join event, dated in whole seconds
    assert cache.answer(USER, CHANNEL) == MEMBER

    cache.remember_answer(USER, CHANNEL, NOT_MEMBER, 90.0)  # a stale reply arriving late
    assert cache.answer(USER, CHANNEL) == MEMBER


def test_unknown_is_never_kept_and_an_unknown_change_forgets() -> None:
    cache = live_cache()
    cache.remember_answer(USER, CHANNEL, pb.MEMBERSHIP_STATUS_UNKNOWN, 100.0)
    assert cache.answer(USER, CHANNEL) is None

    cache.remember_answer(USER, CHANNEL, MEMBER, 100.0)
    cache.apply(changed(pb.MEMBERSHIP_STATUS_UNKNOWN, 101.0))
    assert cache.answer(USER, CHANNEL) is None


def test_an_administrator_change_forgets_the_list() -> None:
    cache = live_cache()
    cache.remember_admins(GROUP, frozenset({1, 2}))
    assert cache.admins(GROUP) == frozenset({1, 2})

    cache.apply(pb.MembershipChange(administrators=pb.AdministratorsChanged(chat_id=GROUP)))

    assert cache.admins(GROUP) is None


def test_the_chats_a_user_administers_are_those_whose_list_names_them() -> None:
    cache = live_cache()
    cache.remember_admins(GROUP, frozenset({1, 2}))
    cache.remember_admins(GROUP - 1, frozenset({2}))

    assert cache.chats_administered_by(1) == [GROUP]
    assert sorted(cache.chats_administered_by(2)) == [GROUP - 1, GROUP]
    assert NearCache().chats_administered_by(1) == []  # not live: nothing is trusted


async def test_a_second_look_comes_again_until_settled() -> None:
    looks: list[str] = []
    settled = asyncio.Event()

    async def look(item: str) -> bool:
        looks.append(item)
        if len(looks) == 3:
            settled.set()
            return True
        return False

    second_look: SecondLook[str] = SecondLook(str, delays=(0.01, 0.01, 0.01, 0.01))
    await second_look.start(look)
    await second_look.schedule("message")
    await asyncio.wait_for(settled.wait(), timeout=2)
    await asyncio.sleep(0.05)
    await second_look.stop()

    assert looks == ["message"] * 3
    assert len(second_look) == 0


async def test_a_second_look_gives_up_after_its_last_delay() -> None:
    looks: list[str] = []

    async def never(item: str) -> bool:
        looks.append(item)
        return False

    second_look: SecondLook[str] = SecondLook(str, delays=(0.01, 0.01))
    await second_look.start(never)
    await second_look.schedule("message")
    await asyncio.sleep(0.2)
    await second_look.stop()

    assert looks == ["message", "message"]
    assert len(second_look) == 0


async def test_an_announced_answer_brings_the_second_look_forward() -> None:
    """In a raid the answer a message waited for arrives after its wait ran out: the message is
    judged when the answer comes, not when its delay is over (and the budget idles meanwhile)."""
    looked: list[int] = []
    cache = live_cache()
    second_look: SecondLook[tuple[int, str]] = SecondLook(lambda item: item[0], delays=(60.0,))
    cache.on_answer(second_look.hurry)

    async def look(item: tuple[int, str]) -> bool:
        looked.append(item[0])
        return cache.answer(item[0], CHANNEL) is not None

    await second_look.start(look)
    await second_look.schedule((USER, "from the sender"))
    await second_look.schedule((USER + 1, "from someone else"))
    await asyncio.sleep(0.05)
    assert looked == []

    cache.apply(changed(NOT_MEMBER, 1000.0))
    await asyncio.sleep(0.05)
    await second_look.stop()

    assert looked == [USER]  # at once, and only the message that waited on that sender
    assert len(second_look) == 1
