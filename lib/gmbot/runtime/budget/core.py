"""Telegram's limits as one budget: the rules every implementation shares, and the in-process one.

Two limits hold at once: every call of the bot token (about 30 a second) and every message to one
group (20 a minute). Each is kept twice: grants are spaced at the nominal rate, so calls go out
evenly, and each call counts in its window from its grant until after its answer
(gmbot.runtime.budget.window), so however late a call reaches Telegram, no window as Telegram
counts it holds one call too many. A 429 pauses one chat, or everyone when the call had no chat.
Priorities decide who goes first when the budget is short: a lower priority takes a slot only
while no higher one is waiting for the overall spacing (waiting out a chat's own pause or minute
does not hold anyone else back). Within a priority, the groups waiting take the slots in turn
(gmbot.runtime.budget.fairness).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from gmbot.runtime.budget.fairness import TURN_GRACE_SECONDS, Rotation, fair_key, work_for
from gmbot.runtime.budget.lines import Lines
from gmbot.runtime.budget.metrics import BUDGET_WAIT_SECONDS
from gmbot.runtime.budget.window import Window, WindowLimit
from gmbot.runtime.callers import current_caller

# How early, in intervals, a caller may take the overall slot: a caller that wakes a few ms late
# does not waste its slot (the window, not the spacing, keeps Telegram's count).
EARLY = 0.25
# The consumer of a call made for no gRPC caller: this process's own work.
OWN = "own"
# aiogram's own request timeout: the longest a call takes unless the session says otherwise.
LONGEST_CALL_SECONDS = 60.0


class Priority(IntEnum):
    """Lower goes first."""

    URGENT = 0  # deleting a raid's messages (batched: few calls), answering an owner
    CHECK = 1  # the membership and administrator reads that find out who the violators are
    PUNISH = 2  # muting them, and the other actions on members (after the checks: a check never
    # waits behind the mute of someone whose messages are already being deleted)
    LATER = 3  # warnings and whatever else can wait
    IDLE = 4  # courtesies nobody waits for (a log chat's lines): only when nothing else waits


@dataclass(frozen=True)
class Spacing:
    """The intervals between grants the two limits impose, in seconds, and their windows."""

    overall: float
    group_message: float
    calls: WindowLimit
    group_messages: WindowLimit
    # How long a call counts when its answer is never reported (its process died): the longest
    # a request may take, then its window's span.
    longest_call: float = LONGEST_CALL_SECONDS

    @classmethod
    def of(
        cls,
        per_second: float,
        group_messages_per_minute: float,
        longest_call: float = LONGEST_CALL_SECONDS,
    ) -> Spacing:
        return cls(
            1.0 / per_second,
            60.0 / group_messages_per_minute,
            WindowLimit.of(per_second, 1.0),
            WindowLimit.of(group_messages_per_minute, 60.0),
            longest_call,
        )

    def unanswered(self, window: WindowLimit) -> float:
        return self.longest_call + window.span


@dataclass(frozen=True)
class Grant:
    """A call the budget let go: it counts in Telegram's windows until the budget hears it was
    answered (`Budget.answered`)."""

    call: str
    chat_id: int | None
    message: bool


class Budget(Protocol):
    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> Grant:
        """Waits until a call on `chat_id` (a message into it when `message`) may be made."""

    async def answered(self, grant: Grant) -> None:
        """The granted call was answered (or failed, or was given up): it stops counting one
        window after now."""

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        """Honours a 429: nobody calls for that chat (or at all, for None) for `seconds`."""


@contextlib.asynccontextmanager
async def spending(
    budget: Budget, chat_id: int | None, priority: Priority, *, message: bool = False
) -> AsyncIterator[None]:
    """One call's draw on `budget`: granted on entry, answered on exit however the call ended."""
    grant = await budget.acquire(chat_id, priority, message=message)
    try:
        yield
    finally:
        await budget.answered(grant)


class PollingBudget(ABC):
    """A budget asked "may I now?" until it says yes; implementations differ in where the
    spacing state lives (this process, Redis, or the process that owns the budget)."""

    def __init__(self) -> None:
        self.lines = Lines()

    @abstractmethod
    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        """0 when the call may go (and was counted as `call`); otherwise seconds to wait first."""

    @abstractmethod
    async def answered(self, grant: Grant) -> None: ...

    @abstractmethod
    async def pause(self, chat_id: int | None, seconds: float) -> None: ...

    async def acquire(
        self, chat_id: int | None, priority: Priority, *, message: bool = False
    ) -> Grant:
        started = time.monotonic()
        call = uuid.uuid4().hex
        async with self.lines.first_in((priority, fair_key(chat_id, work_for.get()), chat_id)):
            # Polling is the point: the slot is decided by whoever holds the state, not signalled.
            while (  # noqa: ASYNC110
                wait := await self.try_acquire(chat_id, priority, message, call)
            ) > 0:
                await asyncio.sleep(wait)
        BUDGET_WAIT_SECONDS.labels(priority.name.lower(), current_caller.get() or OWN).observe(
            time.monotonic() - started
        )
        return Grant(call, chat_id, message)


class LocalBudget(PollingBudget):
    """The budget kept in this process: right for one process, or for the one that owns the
    budget and leases it to the others over gRPC."""

    def __init__(self, spacing: Spacing) -> None:
        super().__init__()
        self._spacing = spacing
        # Next free slot on the monotonic clock: None is the overall spacing, a chat id its own.
        self._next: dict[int | None, float] = {}
        self._paused: dict[int | None, float] = {}
        # The calls counting in Telegram's second, and in each group's minute (its messages).
        self._calls = Window(spacing.calls)
        self._messages: dict[int, Window] = {}
        # Until when each priority has someone waiting for the overall spacing.
        self._demand: dict[Priority, float] = {}
        self._rotation = Rotation()

    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        return self.decide(
            chat_id, priority, message, time.monotonic(), group=work_for.get(), call=call
        )

    def decide(
        self,
        chat_id: int | None,
        priority: Priority,
        message: bool,
        now: float,
        group: int | None = None,
        *,
        call: str,
    ) -> float:
        """0 (and `call` counted) or the seconds to wait; `group`: whose work the call is, when
        not its chat's (fairness.work_for)."""
        paused = max(self._paused.get(None, 0.0), self._paused.get(chat_id, 0.0) if chat_id else 0)
        if paused > now:
            return paused - now
        overall = self._spacing.overall
        # EARLY of an interval is tolerated overall; none per group, so a group never gets one
        # message too many. A full window is waited out as the spacing is, a slot at a time.
        spaced = self._next.get(None, 0.0) - overall * EARLY - now
        overall_wait = max(spaced, min(self._calls.wait(now), overall))
        messages = self._messages.get(chat_id) if message and chat_id else None
        chat_wait = self._chat_wait(chat_id, now, messages) if message and chat_id else 0.0
        behind = any(self._demand.get(p, 0.0) > now for p in Priority if p < priority)
        if chat_wait > 0 and chat_wait >= max(overall_wait, overall if behind else 0.0):
            # Its group's own slot is further off than anyone else's turn: it asks again then,
            # and claims no place in the queue meanwhile (nor asks again every interval).
            return chat_wait
        if behind:
            # Waiting too, behind them: once they are served, this priority still goes before
            # the lower ones (a mute polling at the right moment took a check's slot so).
            self._wants(priority, now + 2 * overall)
            return overall
        key = fair_key(chat_id, group)
        if overall_wait <= 0 and self._rotation.others_first(priority, key, now):
            # The free slot is another group's, which asks for it now; ours is a slot later.
            overall_wait = overall
        if overall_wait > 0:
            until = now + overall_wait + overall
            self._wants(priority, until)
            self._rotation.wait(priority, key, until + TURN_GRACE_SECONDS)
            return overall_wait
        self._grant(chat_id, priority, key, now, call, message)
        return 0.0

    def _wants(self, priority: Priority, until: float) -> None:
        self._demand[priority] = max(self._demand.get(priority, 0.0), until)

    def _chat_wait(self, chat_id: int, now: float, messages: Window | None) -> float:
        spaced = self._next.get(chat_id, 0.0) - now
        if messages is None:
            return spaced
        return max(spaced, min(messages.wait(now), self._spacing.group_message))

    def _grant(
        self,
        chat_id: int | None,
        priority: Priority,
        key: int | None,
        now: float,
        call: str,
        message: bool,
    ) -> None:
        spacing = self._spacing
        self._rotation.served(priority, key, now)
        self._next[None] = max(self._next.get(None, 0.0), now) + spacing.overall
        self._calls.hold(call, now, spacing.unanswered(spacing.calls))
        if message and chat_id:
            self._next[chat_id] = max(self._next.get(chat_id, 0.0), now) + spacing.group_message
            messages = self._messages.setdefault(chat_id, Window(spacing.group_messages))
            messages.hold(call, now, spacing.unanswered(spacing.group_messages))
        self._forget_old(now)

    async def answered(self, grant: Grant) -> None:
        self.answered_at(grant, time.monotonic())

    def answered_at(self, grant: Grant, now: float) -> None:
        self._calls.answered(grant.call, now)
        if grant.message and grant.chat_id and (messages := self._messages.get(grant.chat_id)):
            messages.answered(grant.call, now)

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), until)

    def _forget_old(self, now: float) -> None:
        """Keeps the maps bounded: a chat's entries mean nothing once their time has passed."""
        if len(self._next) > 10_000:
            self._next = {k: v for k, v in self._next.items() if v > now or k is None}
        if len(self._paused) > 10_000:
            self._paused = {k: v for k, v in self._paused.items() if v > now}
        if len(self._messages) > 10_000:
            self._messages = {k: w for k, w in self._messages.items() if w.holds_any(now)}
