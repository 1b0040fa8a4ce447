"""Every Bot API call a bot made: method, parameters, result or error, time. Tests read it to
assert "this message caused exactly these calls"."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Entry:
    seq: int
    time: float
    bot_id: int
    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        # Shallow: the answer is serialized at once. asdict's deep copy took 36 us an entry (60
        # times this), and a test polling a long journal (test_restarts: thousands of calls)
        # spent its process's CPU there, the sandbox living in the test's process.
        return {field.name: getattr(self, field.name) for field in fields(self)}


class Journal:
    def __init__(self, keep: int = 200_000) -> None:
        self._entries: list[Entry] = []
        self._seq = itertools.count(1)
        self._keep = keep
        self.counters: Counter[str] = Counter()
        # Per bot: calls by method, and errors by code (a 429 from any method counts there).
        self.bot_counters: defaultdict[int, Counter[str]] = defaultdict(Counter)
        self.bot_errors: defaultdict[int, Counter[int]] = defaultdict(Counter)
        # Set, and replaced, at every call recorded: what a waiting reader wakes on.
        self._recorded = asyncio.Event()

    def record(
        self,
        bot_id: int,
        method: str,
        params: dict[str, Any],
        *,
        at: float,
        ok: bool,
        result: Any = None,
        error_code: int | None = None,
        description: str | None = None,
    ) -> None:
        self._entries.append(
            Entry(
                next(self._seq),
                at,
                bot_id,
                method,
                params,
                ok,
                result,
                error_code,
                description,
            )
        )
        self.counters[method] += 1
        self.bot_counters[bot_id][method] += 1
        if error_code is not None:
            self.bot_errors[bot_id][error_code] += 1
        if len(self._entries) > self._keep:
            del self._entries[: len(self._entries) - self._keep]
        self._recorded.set()
        self._recorded = asyncio.Event()

    def entries(
        self, *, method: str | None = None, bot_id: int | None = None, since: int = 0
    ) -> list[Entry]:
        return [
            e
            for e in self._entries
            if e.seq > since
            and (method is None or e.method == method)
            and (bot_id is None or e.bot_id == bot_id)
        ]

    async def awaited(
        self,
        seconds: float,
        *,
        method: str | None = None,
        bot_id: int | None = None,
        since: int = 0,
    ) -> list[Entry]:
        """What `entries` returns, as soon as it returns something, or after `seconds` (then
        nothing): a reader learns of a call when it is made, not at its next look."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not (found := self.entries(method=method, bot_id=bot_id, since=since)):
                    await self._recorded.wait()
                return found
        return []

    def last_seq(self) -> int:
        return self._entries[-1].seq if self._entries else 0

    def errors(self, bot_id: int | None = None) -> Counter[int]:
        if bot_id is not None:
            return Counter(self.bot_errors.get(bot_id, {}))
        total: Counter[int] = Counter()
        for errors in self.bot_errors.values():
            total.update(errors)
        return total

    def clear(self) -> None:
        self._entries.clear()
        self.counters.clear()
        self.bot_counters.clear()
        self.bot_errors.clear()
