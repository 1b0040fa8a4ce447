"""The budget's rules, decided on a clock the test holds."""

from __future__ import annotations

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

from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.budget.telegram import BudgetMiddleware
from gmbot.runtime.callers import current_caller

GROUP = -1001234567890
OTHER_GROUP = -1009876543210


def budget(per_second: float = 10, group_per_minute: float = 60) -> LocalBudget:
    return LocalBudget(Spacing(overall=1 / per_second, group_message=60 / group_per_minute))


def test_calls_are_spaced_overall() -> None:
    limits = budget(per_second=10)

    assert limits.decide(None, Priority.URGENT, False, now=100.0) == 0
    # A quarter of an interval early is tolerated, then the caller waits for the next slot.
    assert limits.decide(None, Priority.URGENT, False, now=100.075) == 0
    assert limits.decide(None, Priority.URGENT, False, now=100.075) == pytest.approx(0.1)


def test_no_31_calls_fit_in_telegrams_second_with_room_for_a_late_request() -> None:
    """Telegram counts 30 calls a second. Callers that always come as early as allowed still
    take 31 calls over more than 1.04 s: a request may reach Telegram 40 ms late and not be
    the 31st (half an interval early left 32 ms, and a 429 in 1 burst of 11)."""
    limits = LocalBudget(Spacing.of(per_second=30, group_messages_per_minute=20))
    now, granted = 0.0, list[float]()
    while len(granted) < 31:
        wait = limits.decide(None, Priority.URGENT, False, now=now)
        if wait == 0:
            granted.append(now)
        else:
            now += wait
    assert granted[-1] - granted[0] > 1.04


def test_messages_to_one_group_are_spaced_by_its_minute_and_others_are_not() -> None:
    limits = budget(per_second=1000, group_per_minute=60)

    assert limits.decide(GROUP, Priority.LATER, True, now=10.0) == 0
    assert limits.decide(GROUP, Priority.LATER, True, now=10.1) == pytest.approx(0.9)
    assert limits.decide(OTHER_GROUP, Priority.LATER, True, now=10.1) == 0
    # A call on the group that is not a message does not wait for the group's minute.
    assert limits.decide(GROUP, Priority.URGENT, False, now=10.2) == 0


async def test_a_429_for_one_chat_pauses_that_chat_only() -> None:
    limits = budget(per_second=1000)
    await limits.pause(GROUP, 30)

    assert limits.decide(GROUP, Priority.URGENT, False, now=_now()) > 29
    assert limits.decide(OTHER_GROUP, Priority.URGENT, False, now=_now()) == 0
    assert limits.decide(None, Priority.URGENT, False, now=_now() + 1) == 0


async def test_a_429_without_a_chat_pauses_everyone() -> None:
    limits = budget(per_second=1000)
    await limits.pause(None, 5)

    assert limits.decide(GROUP, Priority.URGENT, False, now=_now()) > 4
    assert limits.decide(None, Priority.CHECK, False, now=_now()) > 4


def test_a_lower_priority_waits_while_a_higher_one_waits_for_the_overall_spacing() -> None:
    limits = budget(per_second=10)
    assert limits.decide(None, Priority.URGENT, False, now=0.0) == 0
    # An urgent call is now waiting for the next slot...
    assert limits.decide(None, Priority.URGENT, False, now=0.0) > 0
    # ...so a check may not take that slot when it frees up, but the urgent call may.
    assert limits.decide(None, Priority.CHECK, False, now=0.08) > 0
    assert limits.decide(None, Priority.URGENT, False, now=0.08) == 0
    # Once nobody urgent waits any more, checks go again.
    assert limits.decide(None, Priority.CHECK, False, now=1.0) == 0


def test_waiting_out_one_chat_holds_nobody_else_back() -> None:
    limits = budget(per_second=1000, group_per_minute=1)
    assert limits.decide(GROUP, Priority.URGENT, True, now=0.0) == 0
    assert limits.decide(GROUP, Priority.URGENT, True, now=0.0) > 50

    assert limits.decide(None, Priority.LATER, False, now=0.01) == 0


def test_a_check_never_waits_behind_a_mute_and_a_mute_waits_behind_a_check() -> None:
    limits = budget(per_second=10)
    assert limits.decide(None, Priority.URGENT, False, now=0.0) == 0
    # A mute is waiting for the next slot: a check still takes it first.
    assert limits.decide(None, Priority.PUNISH, False, now=0.0) > 0
    assert limits.decide(None, Priority.CHECK, False, now=0.08) == 0
    # A check is waiting: the mute does not take its slot, a deletion does.
    assert limits.decide(None, Priority.CHECK, False, now=0.08) > 0
    assert limits.decide(None, Priority.PUNISH, False, now=0.18) > 0
    assert limits.decide(None, Priority.URGENT, False, now=0.18) == 0


class _Asked:
    """A budget that grants every call and remembers the priority each asked with."""

    def __init__(self) -> None:
        self.priorities: list[Priority] = []

    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> None:
        self.priorities.append(priority)

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
            if limits.decide(GROUP, priority, False, now) == 0:
                slots_before += 1
        if quiet_since is not None and limits.decide(OTHER_GROUP, priority, False, now) == 0:
            return slots_before - 3
        now += 0.1
    raise AssertionError("the quiet group was never served")


def test_a_quiet_group_goes_within_a_slot_or_two_while_another_group_raids() -> None:
    limits = budget(per_second=10)

    assert _raid_then_quiet(limits, raiders=100, priority=Priority.CHECK) <= 2


def test_waiting_groups_take_the_slots_in_turn_not_first_come() -> None:
    limits = budget(per_second=10)
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.0) == 0
    # Both groups wait for the next slot; GROUP was served last, so OTHER_GROUP's turn comes
    # first even though GROUP asks first when the slot frees up.
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.01) > 0
    assert limits.decide(OTHER_GROUP, Priority.CHECK, False, now=0.01) > 0
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.08) > 0
    assert limits.decide(OTHER_GROUP, Priority.CHECK, False, now=0.08) == 0
    # Then GROUP's, though OTHER_GROUP is still waiting.
    assert limits.decide(OTHER_GROUP, Priority.CHECK, False, now=0.09) > 0
    assert limits.decide(OTHER_GROUP, Priority.CHECK, False, now=0.18) > 0
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.18) == 0


def test_a_group_whose_turn_it_was_and_that_left_holds_nobody_for_long() -> None:
    limits = budget(per_second=10)
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.0) == 0
    assert limits.decide(OTHER_GROUP, Priority.CHECK, False, now=0.01) > 0  # then gives up
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.08) > 0
    assert limits.decide(GROUP, Priority.CHECK, False, now=0.5) == 0


def test_the_call_is_counted_for_the_group_it_is_done_for_not_the_channel_it_reads() -> None:
    limits = budget(per_second=10)
    channel = -1005555555555
    assert limits.decide(channel, Priority.CHECK, False, now=0.0, group=GROUP) == 0
    assert limits.decide(channel, Priority.CHECK, False, now=0.01, group=GROUP) > 0
    assert limits.decide(channel, Priority.CHECK, False, now=0.01, group=OTHER_GROUP) > 0
    # The same channel, but OTHER_GROUP's check: its turn.
    assert limits.decide(channel, Priority.CHECK, False, now=0.08, group=GROUP) > 0
    assert limits.decide(channel, Priority.CHECK, False, now=0.08, group=OTHER_GROUP) == 0


def test_turns_do_not_cross_priorities_nor_a_groups_own_minute() -> None:
    limits = budget(per_second=10, group_per_minute=1)
    assert limits.decide(GROUP, Priority.URGENT, False, now=0.0) == 0
    # OTHER_GROUP waits at LATER; GROUP's deletion still goes before it.
    assert limits.decide(OTHER_GROUP, Priority.LATER, False, now=0.01) > 0
    assert limits.decide(GROUP, Priority.URGENT, False, now=0.08) == 0
    # A group's minute still holds whatever its turn: its second message waits a minute.
    assert limits.decide(OTHER_GROUP, Priority.LATER, True, now=1.0) == 0
    assert limits.decide(OTHER_GROUP, Priority.LATER, True, now=2.0) > 50


def _waited(consumer: str) -> float:
    labels = {"priority": "check", "consumer": consumer}
    return REGISTRY.get_sample_value("gmbot_telegram_budget_wait_seconds_count", labels) or 0


async def test_the_budgets_metrics_show_whose_calls_drew_from_it() -> None:
    limits = budget(per_second=1000)
    billing, own = _waited("billing"), _waited("own")

    token = current_caller.set("billing")  # as the server's interceptor sets it for a call
    try:
        await limits.acquire(GROUP, Priority.CHECK)
    finally:
        current_caller.reset(token)
    await limits.acquire(GROUP, Priority.CHECK)

    assert _waited("billing") == billing + 1
    assert _waited("own") == own + 1
