"""A restriction is recorded lifted once: of two releases of one member at the same moment (two
channels joined a moment apart), one lifts it and the other finds nothing left to lift, so the
release is counted and logged once. On PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain.ports import Stores
from gmbot.enforcement.storage.ledger import Ledger

GROUP, USER = -1001000000001, 100001


async def _lift(stores: Stores) -> bool:
    return await stores.restrictions.lift(GROUP, USER)


async def test_of_two_lifts_at_once_only_one_finds_the_restriction_in_force(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    until = int(time.time()) + 300
    await ledger.step(lambda stores: stores.restrictions.impose(GROUP, USER, until, "r"))

    lifted = await asyncio.gather(ledger.step(_lift), ledger.step(_lift))
    again = await ledger.step(_lift)

    assert sorted(lifted) == [False, True]
    assert again is False
    held = await ledger.step(lambda stores: stores.restrictions.get(GROUP, USER))
    assert held is not None
    assert not held.active
