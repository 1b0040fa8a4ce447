"""Telegram's limits as one budget: the rules every implementation shares, and the in-process one.

Two spacings hold at once: every call of the bot token (about 30 a second) and every message to
one group (20 a minute). A 429 pauses one chat, or everyone when the call had no chat. Priorities
decide who goes first when the budget is short: a lower priority takes a slot only while no
higher one is waiting for the overall spacing (waiting out a chat's own pause or minute does not
hold anyone else back). Within a priority, the groups waiting take the slots in turn
(gmbot.runtime.budget.fairness).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from gmbot.runtime.budget.fairness import TURN_GRACE_SECONDS, Rotation, fair_key, work_for
from gmbot.runtime.budget.metrics import BUDGET_WAIT_SECONDS
from gmbot.runtime.callers import current_caller

# Spacing slightly wider than the nominal rate keeps clocks and network jitter from ever
# tipping a window over Telegram's count (a group's minute is the tighter one: a message built
# and sent a little late must still not be the 21st).
SAFETY = 1.05
GROUP_SAFETY = 1.1
# How early, in intervals, a caller may take the overall slot: a caller that wakes a few ms late
# does not waste its slot. Half an interval left 31 calls only 32 ms over Telegram's second, and
# a request that reached Telegram that much late drew a 429 (1 run in 11 of a 1,500-message
# burst); a quarter leaves 41 ms and, with every slot counted, still spends the whole budget.
EARLY = 0.25
# The consumer of a call made for no gRPC caller: this process's own work.
OWN = "own"


class Priority(IntEnum):
    """Lower goes first."""

    URGENT = 0  # deleting a raid's messages (batched: few calls), answering an owner
    CHECK = 1  # the membership and administrator reads that find out who the violators are
    PUNISH = 2  # muting them, and the other actions on members (after the checks: a check never
    # waits behind the mute of someone whose messages are already being deleted)
    LATER = 3  # warnings and whatever else can wait


@dataclass(frozen=True)
class Spacing:
    """The intervals the two limits impose, in seconds."""

    overall: float
    group_message: float

    @classmethod
    def of(cls, per_second: float, group_messages_per_minute: float) -> Spacing:
        return cls(1.0 / per_second * SAFETY, 60.0 / group_messages_per_minute * GROUP_SAFETY)


class Budget(Protocol):
    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> None:
        """Waits until a call on `chat_id` (a message into it when `message`) may be made."""

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        """Honours a 429: nobody calls for that chat (or at all, for None) for `seconds`."""


class PollingBudget(ABC):
    """A budget asked "may I now?" until it says yes; implementations differ in where the
    spacing state lives (this process, Redis, or the process that owns the budget)."""

    @abstractmethod
    async def try_acquire(self, chat_id: int | None, priority: Priority, message: bool) -> float:
        """0 when the call may go (and was counted); otherwise seconds to wait first."""

    @abstractmethod
    async def pause(self, chat_id: int | None, seconds: float) -> None: ...

    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> None:
        started = time.monotonic()
        # Polling is the point: the slot is decided by whoever holds the state, not signalled.
        while (wait := await self.try_acquire(chat_id, priority, message)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        BUDGET_WAIT_SECONDS.labels(priority.name.lower(), current_caller.get() or OWN).observe(
            time.monotonic() - started
        )


class LocalBudget(PollingBudget):
    """The budget kept in this process: right for one process, or for the one that owns the
    budget and leases it to the others over gRPC."""

    def __init__(self, spacing: Spacing) -> None:
        self._spacing = spacing
        # Next free slot on the monotonic clock: None is the overall spacing, a chat id its own.
        self._next: dict[int | None, float] = {}
        self._paused: dict[int | None, float] = {}
        # Until when each priority has someone waiting for the overall spacing.
        self._demand: dict[Priority, float] = {}
        self._rotation = Rotation()

    async def try_acquire(self, chat_id: int | None, priority: Priority, message: bool) -> float:
        return self.decide(chat_id, priority, message, time.monotonic(), group=work_for.get())

    def decide(
        self,
        chat_id: int | None,
        priority: Priority,
        message: bool,
        now: float,
        group: int | None = None,
    ) -> float:
        """0 (and counted) or the seconds to wait; `group`: whose work the call is, when not
        its chat's (fairness.work_for)."""
        paused = max(self._paused.get(None, 0.0), self._paused.get(chat_id, 0.0) if chat_id else 0)
        if paused > now:
            return paused - now
        overall = self._spacing.overall
        if any(self._demand.get(p, 0.0) > now for p in Priority if p < priority):
            return overall
        # EARLY of an interval is tolerated overall; none per group, so a group never gets one
        # message too many.
        overall_wait = self._next.get(None, 0.0) - overall * EARLY - now
        chat_wait = self._next.get(chat_id, 0.0) - now if message and chat_id else 0.0
        if chat_wait > 0 and chat_wait >= overall_wait:
            return chat_wait
        key = fair_key(chat_id, group)
        if overall_wait <= 0 and self._rotation.others_first(priority, key, now):
            # The free slot is another group's, which asks for it now; ours is a slot later.
            overall_wait = overall
        if overall_wait > 0:
            until = now + overall_wait + overall
            self._demand[priority] = max(self._demand.get(priority, 0.0), until)
            self._rotation.wait(priority, key, until + TURN_GRACE_SECONDS)
            return overall_wait
        self._rotation.served(priority, key, now)
        self._next[None] = max(self._next.get(None, 0.0), now) + overall
        if message and chat_id:
            self._next[chat_id] = (
                max(self._next.get(chat_id, 0.0), now) + self._spacing.group_message
            )
        self._forget_old(now)
        return 0.0

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), until)

    def _forget_old(self, now: float) -> None:
        """Keeps the maps bounded: a chat's entries mean nothing once their time has passed."""
        if len(self._next) > 10_000:
            self._next = {k: v for k, v in self._next.items() if v > now or k is None}
        if len(self._paused) > 10_000:
            self._paused = {k: v for k, v in self._paused.items() if v > now}
