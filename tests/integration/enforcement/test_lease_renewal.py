"""The claims a replica's workers hold are renewed together, in one statement: a raid keeps a
thousand actions in hand, and a renewal each (a transaction every few seconds per action) waited
for a connection past its lease, so another worker did the action again. On PostgreSQL and on
SQLite."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain import claims
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import ActionRow
from tests.support.enforcement import violations_recorded

GROUP = -1001000000001


async def _claimed(ledger: Ledger, users: range, lease: float) -> dict[str, int]:
    held = {}
    for action_id in await violations_recorded(ledger, GROUP, users):
        [action] = await claims.claim(ledger, [action_id], lease)
        held[action.action_id] = action.attempts
    return held


async def test_one_renewal_keeps_every_claim_held_and_leaves_those_taken_over_alone(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    # Leases that end as they are given: each is anyone's to take at once, nothing waited out.
    held = await _claimed(ledger, range(1, 301), lease=0)
    taken_over = sorted(held)[:3]
    for action_id in taken_over:
        assert await claims.claim(ledger, [action_id], lease=3600) != []

    await claims.renew(ledger, held, lease=60)

    for action_id in sorted(held)[3:8]:  # renewed: nobody takes them now
        assert await claims.claim(ledger, [action_id], lease=60) == []
    async with ledger_engine.connect() as connection:
        rows = (
            await connection.execute(
                select(ActionRow.action_id, ActionRow.attempts, ActionRow.lease_until)
            )
        ).all()
    attempts = {action_id: attempt for action_id, attempt, _ in rows}
    leases = {action_id: lease_until for action_id, _, lease_until in rows if lease_until}
    renewed = held.keys() - set(taken_over)
    assert {attempts[a] for a in renewed} == {1}  # claimed once
    assert {attempts[a] for a in taken_over} == {2}
    # The new holder's lease (an hour) stands; the renewal gave the others a minute.
    assert min(leases[a] for a in taken_over) > max(leases[a] for a in renewed)


async def test_renewing_nothing_opens_no_transaction(ledger_engine: AsyncEngine) -> None:
    class Untouchable(Ledger):
        def transaction(self) -> NoReturn:
            raise AssertionError("a transaction for nothing")

    await claims.renew(Untouchable(ledger_engine, patience=5), {}, lease=5)
