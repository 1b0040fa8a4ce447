"""Telegram's windows as Telegram sees them.

Telegram counts a call when it arrives: at most N in any second (and 20 messages in any minute to
one group). The budget cannot see that moment, only that it lies between the call's grant and its
answer. Spacing the grants is therefore not enough: a call granted on time but sent late (a busy
event loop, a slow connection) arrives beside the calls granted after it, and 19 calls granted
35 ms apart were measured arriving within 12 ms, 31 in one second, a 429.

So a call counts in its window from its grant until `span` after its answer, and a grant waits
while the window already holds `limit` calls. Then any span of Telegram's clock holds at most
`limit` arrivals, whenever each call really arrived: a call that arrives in it was granted before
its end and answered after its start, so it was held at its end. Nobody is paused for a late
call: it occupies its own slot for as long as it is late, and only when `limit` calls are late at
once does the next one wait. Weighed against the alternatives:

- a grant that goes stale unless used within a few ms catches a process that resumes late after
  the grant, but not the lateness after the check (the client library, the network, the server
  reading its socket late), and it wastes the slot it gives up;
- a wider margin between grants (the 5 % this budget had) covers only lateness up to the margin,
  and costs that share of the budget always;
- pausing everyone for a late answer (tried) punished every process for one slow one and cost a
  third of the throughput.

A call whose answer is never reported (its process died) counts until `unanswered` after its
grant: the longest a request may take, plus the span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowLimit:
    """At most `limit` calls in any `span` seconds."""

    limit: int
    span: float

    @classmethod
    def of(cls, rate: float, per: float) -> WindowLimit:
        """`rate` calls every `per` seconds, as whole calls: 7.5 a second is 7 in 0.93 s, the same
        rate (and at least one call, over a longer span, for a rate below one)."""
        limit = max(1, math.floor(rate))
        return cls(limit, per * limit / rate)


class Window:
    """The calls that count in one window (LocalBudget's; RedisBudget's script keeps the same
    facts in a sorted set: each call, until when it counts)."""

    def __init__(self, limit: WindowLimit) -> None:
        self._limit = limit
        self._until: dict[str, float] = {}

    def wait(self, now: float) -> float:
        """0 when one more call fits now; else until one of the calls held stops counting (the
        call still in flight may be answered sooner: whoever waits asks again)."""
        self._forget(now)
        excess = len(self._until) - self._limit.limit
        if excess < 0:
            return 0.0
        return sorted(self._until.values())[excess] - now

    def hold(self, call: str, now: float, unanswered: float) -> None:
        """`call` was granted at `now`; it counts until its answer (at most `unanswered`)."""
        self._until[call] = now + unanswered

    def answered(self, call: str, now: float) -> None:
        """`call` was answered at `now`: it counts one span more, then no longer (a call no
        longer held, answered after it stopped counting, is not counted again)."""
        if call in self._until:
            self._until[call] = now + self._limit.span

    def holds_any(self, now: float) -> bool:
        self._forget(now)
        return bool(self._until)

    def _forget(self, now: float) -> None:
        self._until = {call: until for call, until in self._until.items() if until > now}
