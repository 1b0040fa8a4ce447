"""A poller claims a batch of actions in one statement: only those neither finished nor held by
another worker (one whose lease ran out is anyone's), each once even when two workers claim the
same batch at once. On PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain import claims
from gmbot.enforcement.domain.actions import Enforce, State
from gmbot.enforcement.storage.ledger import Ledger
from tests.support.enforcement import violations_recorded

GROUP = -1001000000002


async def test_a_batch_claims_what_is_pending_or_abandoned_and_nothing_else(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    ids = await violations_recorded(ledger, GROUP, range(1, 11))
    finished, held, abandoned = ids[:2], ids[2:5], ids[5:6]
    for action in await claims.claim(ledger, finished, lease=60):
        assert await claims.finish(ledger, action, State.DONE, None, 1)
    assert len(await claims.claim(ledger, held, lease=3600)) == 3
    assert len(await claims.claim(ledger, abandoned, lease=0)) == 1  # its worker died

    claimed = await claims.claim(ledger, ids, lease=60)

    assert sorted(a.action_id for a in claimed) == sorted(ids[5:])
    assert {a.action_id: a.attempts for a in claimed} == {
        **dict.fromkeys(ids[6:], 1),
        ids[5]: 2,
    }
    assert all(isinstance(a.payload, Enforce) for a in claimed)
    assert await claims.claim(ledger, ids, lease=60) == []


async def test_two_workers_claiming_one_batch_at_once_share_it_without_overlap(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    ids = await violations_recorded(ledger, GROUP, range(1, 41))

    one, other = await asyncio.gather(
        claims.claim(ledger, ids, lease=60), claims.claim(ledger, ids[::-1], lease=60)
    )

    mine, theirs = {a.action_id for a in one}, {a.action_id for a in other}
    assert mine.isdisjoint(theirs)
    assert mine | theirs == set(ids)
