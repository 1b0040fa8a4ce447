"""A step that only reads (whether a member was released since an action was decided: every
action of a raid asks) does not queue for SQLite's write lock behind the other workers' steps.
It reads what is committed, beside a writer. On PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.storage.ledger import Ledger

GROUP, USER = -1001000000001, 42


async def test_a_read_goes_beside_a_writer_and_sees_what_is_committed(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    decided = now() - timedelta(seconds=5)

    async with ledger.transaction() as writing:
        # The writer holds SQLite's write lock until its block ends; the read must not wait.
        await writing.releases.record(GROUP, USER, now())
        seen = await asyncio.wait_for(
            ledger.read(lambda stores: stores.releases.since(GROUP, USER, decided)), 5
        )
        assert seen is False  # not committed yet

    assert await ledger.read(lambda stores: stores.releases.since(GROUP, USER, decided))
