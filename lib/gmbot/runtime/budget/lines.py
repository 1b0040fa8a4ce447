"""A process's callers that would wait for the same turn wait in line here, and only the first
of each line asks the budget.

A polling budget is asked "may I now?" until it says yes. In a raid hundreds of calls wait at
once (300 membership checks, 120 mutes): each asked again at every slot, and every slot but one
answered "not yet". With Redis that was 22,500 scripts for a burst's 450 calls, their round
trips a tenth of enforcement's CPU while the checks ran. Calls of one priority, for one group's
work, on one chat, are all told the same thing (the same slot, the same pause, the same turn of
the group): one of them asking tells the rest, who go after it in the order they came.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Line:
    first: asyncio.Lock = field(default_factory=asyncio.Lock)
    callers: int = 0


class Lines:
    def __init__(self) -> None:
        self._lines: dict[Hashable, _Line] = {}

    @asynccontextmanager
    async def first_in(self, key: Hashable) -> AsyncIterator[None]:
        """Waits until the caller is the first of the line `key` (in the order they came); the
        line is forgotten once nobody is in it."""
        line = self._lines.setdefault(key, _Line())
        line.callers += 1
        try:
            async with line.first:
                yield
        finally:
            line.callers -= 1
            if not line.callers:
                del self._lines[key]

    def __len__(self) -> int:
        return len(self._lines)
