"""The ledger's retention: what is finished and older than LEDGER_RETENTION_DAYS is deleted, in
bounded batches (one short transaction each), so the ledger stops growing without ever holding
a long lock. Never deleted: an unfinished action, a restriction still in force, a join request
still waiting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.ports import Ledger, Stores
from gmbot.enforcement.metrics import LEDGER_PRUNED

BATCH = 1000
Prune = Callable[[Stores, datetime, int], Awaitable[int]]
_TABLES: dict[str, Prune] = {
    "actions": lambda stores, before, limit: stores.actions.prune(before, limit),
    "restrictions": lambda stores, before, limit: stores.restrictions.prune(before, limit),
    "warnings": lambda stores, before, limit: stores.warnings.prune(before, limit),
    "join_requests": lambda stores, before, limit: stores.join_requests.prune(before, limit),
    "releases": lambda stores, before, limit: stores.releases.prune(before, limit),
    "activity": lambda stores, before, limit: stores.activity.prune(before, limit),
    "channel_joins": lambda stores, before, limit: stores.channel_joins.prune(before, limit),
    "channel_warnings": lambda stores, before, limit: stores.channel_joins.prune_warnings(
        before, limit
    ),
    "channel_requests": lambda stores, before, limit: stores.channel_requests.prune(before, limit),
}


class LedgerRetention:
    def __init__(self, ledger: Ledger, days: float, batch: int = BATCH) -> None:
        self._ledger = ledger
        self._keep = timedelta(days=days)
        self._batch = batch

    async def prune(self) -> dict[str, int]:
        """One pass over every table; returns the rows deleted from each."""
        before = now() - self._keep
        deleted: dict[str, int] = {}
        for table, prune in _TABLES.items():
            deleted[table] = 0
            while True:
                async with self._ledger.transaction() as stores:
                    count = await prune(stores, before, self._batch)
                deleted[table] += count
                LEDGER_PRUNED.labels(table).inc(count)
                if count < self._batch:
                    break
        return deleted
