"""The budget's rules, decided on a clock the test holds."""

from __future__ import annotations

import uuid
from time import monotonic as _now
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import (
    DeleteMessages,
    GetChatMember,
    Response,
    RestrictChatMember,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import ChatPermissions
from prometheus_client import REGISTRY

from gmbot.runtime.budget.core import Grant, LocalBudget, Priority, Spacing
from gmbot.runtime.budget.telegram import BudgetMiddleware
from gmbot.runtime.callers import current_caller
from tests.support.budget import ask_at, local_budget

GROUP = -1001234567890
OTHER_GROUP = -1009876543210


def test_calls_are_spaced_overall() -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, None, Priority.URGENT, False, now=100.0) == 0
    # A quarter of an interval early is tolerated, then the caller waits for the next slot.
    assert ask_at(limits, None, Priority.URGENT, False, now=100.075) == 0
    assert ask_at(limits, None, Priority.URGENT, False, now=100.075) == pytest.approx(0.1)


def test_no_31_calls_fit_in_telegrams_second_however_late_each_arrives() -> None:
    """Telegram counts a call when it arrives, anywhere between its grant and its answer. Calls
    granted on time but sent late (here every third one, 0.4 s late: a busy process) arrive
    beside the calls granted after them; each counts from its grant until its answer, so no
    second of arrivals holds more than 30, and the budget is still spent (a late call holds
    its place 0.4 s longer: 30 in 1.13 s)."""
    limits = LocalBudget(Spacing.of(per_second=30, group_messages_per_minute=20))
    now, granted, arrivals = 0.0, 0, list[float]()
    in_flight: list[tuple[float, Grant]] = []
    while len(arrivals) < 150:
        for answered in [c for c in in_flight if c[0] <= now]:
            in_flight.remove(answered)
            limits.answered_at(answered[1], answered[0])
            arrivals.append(answered[0])
        grant = Grant(uuid.uuid4().hex, None, False)
        if limits.decide(None, Priority.URGENT, False, now=now, call=grant.call) == 0:
            granted += 1
            in_flight.append((now + (0.4 if granted % 3 == 0 else 0.0), grant))
        now += 0.001
    arrivals.sort()
    busiest = max(sum(1 for a in arrivals if start <= a < start + 1.0) for start in arrivals)
    assert busiest <= 30
    assert len(arrivals) / (arrivals[-1] - arrivals[0]) > 25


def test_a_message_counts_in_its_groups_minute_until_answered() -> None:
    """20 messages a minute to one group: one still unanswered a minute on holds the 21st
    back, though the spacing would let it go."""
    limits = local_budget(per_second=1000, group_per_minute=20)
    grants = []
    for n in range(20):
        grant = Grant(uuid.uuid4().hex, GROUP, True)
        assert limits.decide(GROUP, Priority.LATER, True, now=3.0 * n, call=grant.call) == 0
        grants.append(grant)
    for grant in grants[1:]:
        limits.answered_at(grant, 61.0)
    # The first is still in flight at 62 s: the 21st waits for it.
    assert ask_at(limits, GROUP, Priority.LATER, True, now=62.0) > 0
    limits.answered_at(grants[0], 62.5)
    assert ask_at(limits, GROUP, Priority.LATER, True, now=62.6) > 0  # a minute after its answer
    assert ask_at(limits, GROUP, Priority.LATER, True, now=122.5) == 0


def test_messages_to_one_group_are_spaced_by_its_minute_and_others_are_not() -> None:
    limits = local_budget(per_second=1000, group_per_minute=60)
    assert ask_at(limits, GROUP, Priority.LATER, True, now=10.0) == 0
    assert ask_at(limits, GROUP, Priority.LATER, True, now=10.1) == pytest.approx(0.9)
    assert ask_at(limits, OTHER_GROUP, Priority.LATER, True, now=10.1) == 0
    # A call on the group that is not a message does not wait for the group's minute.
    assert ask_at(limits, GROUP, Priority.URGENT, False, now=10.2) == 0


async def test_a_429_for_one_chat_pauses_that_chat_only() -> None:
    limits = local_budget(per_second=1000)
    await limits.pause(GROUP, 30)
    assert ask_at(limits, GROUP, Priority.URGENT, False, now=_now()) > 29
    assert ask_at(limits, OTHER_GROUP, Priority.URGENT, False, now=_now()) == 0
    assert ask_at(limits, None, Priority.URGENT, False, now=_now() + 1) == 0


async def test_a_429_without_a_chat_pauses_everyone() -> None:
    limits = local_budget(per_second=1000)
    await limits.pause(None, 5)
    assert ask_at(limits, GROUP, Priority.URGENT, False, now=_now()) > 4
    assert ask_at(limits, None, Priority.CHECK, False, now=_now()) > 4


class _Asked:
    """A budget that grants every call and remembers the priority each asked with."""

    def __init__(self) -> None:
        self.priorities: list[Priority] = []

    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> Grant:
        self.priorities.append(priority)
        return Grant(uuid.uuid4().hex, chat_id, message)

    async def answered(self, grant: Grant) -> None:
        pass

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        raise AssertionError("no 429 here")


async def test_in_a_raid_deletions_go_first_then_checks_then_mutes_then_warnings() -> None:
    asked = _Asked()
    middleware = BudgetMiddleware(asked, sends=Priority.LATER)
    bot = Bot("1:test")

    async def answered(bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        return Response[Any](ok=True, result=True)

    for method in (
        SendMessage(chat_id=GROUP, text="join"),
        RestrictChatMember(chat_id=GROUP, user_id=1, permissions=ChatPermissions()),
        GetChatMember(chat_id=GROUP, user_id=1),
        DeleteMessages(chat_id=GROUP, message_ids=[1, 2]),
    ):
        await middleware(answered, bot, method)
    await bot.session.close()

    assert asked.priorities == sorted(asked.priorities, reverse=True)
    assert asked.priorities == [Priority.LATER, Priority.PUNISH, Priority.CHECK, Priority.URGENT]


def _raid_then_quiet(limits: LocalBudget, raiders: int, priority: Priority) -> int:
    """`raiders` callers of GROUP ask at every slot; after a few slots one call of OTHER_GROUP
    asks too, at the same priority. Returns how many slots GROUP took before OTHER_GROUP's."""
    now, slots_before = 0.0, 0
    quiet_since: float | None = None
    for _ in range(100):
        if slots_before == 3 and quiet_since is None:
            quiet_since = now
        # Each slot, the raid asks first; the quiet group's one caller asks after them.
        for _ in range(raiders):
            if ask_at(limits, GROUP, priority, False, now) == 0:
                slots_before += 1
        if quiet_since is not None and ask_at(limits, OTHER_GROUP, priority, False, now) == 0:
            return slots_before - 3
        now += 0.1
    raise AssertionError("the quiet group was never served")


def test_a_quiet_group_goes_within_a_slot_or_two_while_another_group_raids() -> None:
    limits = local_budget(per_second=10)
    assert _raid_then_quiet(limits, raiders=100, priority=Priority.CHECK) <= 2


def test_waiting_groups_take_the_slots_in_turn_not_first_come() -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.0) == 0
    # Both groups wait for the next slot; GROUP was served last, so OTHER_GROUP's turn comes
    # first even though GROUP asks first when the slot frees up.
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.01) > 0
    assert ask_at(limits, OTHER_GROUP, Priority.CHECK, False, now=0.01) > 0
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.08) > 0
    assert ask_at(limits, OTHER_GROUP, Priority.CHECK, False, now=0.08) == 0
    # Then GROUP's, though OTHER_GROUP is still waiting.
    assert ask_at(limits, OTHER_GROUP, Priority.CHECK, False, now=0.09) > 0
    assert ask_at(limits, OTHER_GROUP, Priority.CHECK, False, now=0.18) > 0
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.18) == 0


def test_a_group_whose_turn_it_was_and_that_left_holds_nobody_for_long() -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.0) == 0
    assert ask_at(limits, OTHER_GROUP, Priority.CHECK, False, now=0.01) > 0  # then gives up
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.08) > 0
    assert ask_at(limits, GROUP, Priority.CHECK, False, now=0.5) == 0


def test_the_call_is_counted_for_the_group_it_is_done_for_not_the_channel_it_reads() -> None:
    limits = local_budget(per_second=10)
    channel = -1005555555555
    assert ask_at(limits, channel, Priority.CHECK, False, now=0.0, group=GROUP) == 0
    assert ask_at(limits, channel, Priority.CHECK, False, now=0.01, group=GROUP) > 0
    assert ask_at(limits, channel, Priority.CHECK, False, now=0.01, group=OTHER_GROUP) > 0
    # The same channel, but OTHER_GROUP's check: its turn.
    assert ask_at(limits, channel, Priority.CHECK, False, now=0.08, group=GROUP) > 0
    assert ask_at(limits, channel, Priority.CHECK, False, now=0.08, group=OTHER_GROUP) == 0


def test_turns_do_not_cross_priorities_nor_a_groups_own_minute() -> None:
    limits = local_budget(per_second=10, group_per_minute=1)
    assert ask_at(limits, GROUP, Priority.URGENT, False, now=0.0) == 0
    # OTHER_GROUP waits at LATER; GROUP's deletion still goes before it.
    assert ask_at(limits, OTHER_GROUP, Priority.LATER, False, now=0.01) > 0
    assert ask_at(limits, GROUP, Priority.URGENT, False, now=0.08) == 0
    # A group's minute still holds whatever its turn: its second message waits a minute.
    assert ask_at(limits, OTHER_GROUP, Priority.LATER, True, now=1.0) == 0
    assert ask_at(limits, OTHER_GROUP, Priority.LATER, True, now=2.0) > 50


def _waited(consumer: str) -> float:
    labels = {"priority": "check", "consumer": consumer}
    return REGISTRY.get_sample_value("gmbot_telegram_budget_wait_seconds_count", labels) or 0


async def test_the_budgets_metrics_show_whose_calls_drew_from_it() -> None:
    limits = local_budget(per_second=1000)
    billing, own = _waited("billing"), _waited("own")

    token = current_caller.set("billing")  # as the server's interceptor sets it for a call
    try:
        await limits.answered(await limits.acquire(GROUP, Priority.CHECK))
    finally:
        current_caller.reset(token)
    await limits.answered(await limits.acquire(GROUP, Priority.CHECK))

    assert _waited("billing") == billing + 1
    assert _waited("own") == own + 1
