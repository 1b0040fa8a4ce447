"""The claims a replica's workers hold are renewed together, in one statement: a raid keeps a
thousand actions in hand, and a renewal each (a transaction every few seconds per action) waited
for a connection past its lease, so another worker did the action again. On PostgreSQL and on
SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain import claims
from gmbot.enforcement.domain.actions import Enforce, MemberAction, NewAction
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import ActionRow

GROUP = -1001000000001


async def _claimed(ledger: Ledger, users: range, lease: float) -> dict[str, int]:
    held = {}
    for user in users:
        async with ledger.transaction() as stores:
            action_id, _ = await stores.actions.add(
                NewAction(
                    f"u{user}:message",
                    GROUP,
                    user,
                    "not_subscribed",
                    Enforce(action=MemberAction.MUTE, message_id=user),
                )
            )
        action = await claims.claim(ledger, action_id, lease)
        assert action is not None
        held[action.action_id] = action.attempts
    return held


async def test_one_renewal_keeps_every_claim_held_and_names_those_taken_over(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=5)
    held = await _claimed(ledger, range(1, 301), lease=0.5)
    await asyncio.sleep(0.6)  # every lease has run out: each is anyone's to take
    taken_over = sorted(held)[:3]
    for action_id in taken_over:
        assert await claims.claim(ledger, action_id, lease=60) is not None

    still_held = await claims.renew(ledger, held, lease=60)

    assert still_held == held.keys() - set(taken_over)
    for action_id in sorted(still_held)[:5]:  # renewed: nobody takes them now
        assert await claims.claim(ledger, action_id, lease=60) is None
    async with ledger_engine.connect() as connection:
        attempts = dict(
            (await connection.execute(select(ActionRow.action_id, ActionRow.attempts))).all()
        )
    assert {attempts[a] for a in still_held} == {1}  # claimed once, by the first worker
    assert {attempts[a] for a in taken_over} == {2}


async def test_renewing_nothing_asks_the_ledger_nothing(ledger_engine: AsyncEngine) -> None:
    assert await claims.renew(Ledger(ledger_engine, patience=5), {}, lease=5) == set()
