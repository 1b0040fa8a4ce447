"""The steps of an action's claim on the ledger, each one transaction of its own: the workers
(workers/pool.py) take, hold, end and hand back actions through them. A step that writes is
fenced by the claim (its attempt): a worker that lost its lease changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gmbot.enforcement.domain.actions import Action, State
from gmbot.enforcement.domain.ports import Ledger


async def unfinished(ledger: Ledger) -> int:
    """How many actions are not finished: the backlog, counted again."""
    return await ledger.write(lambda stores: stores.actions.unfinished())


async def due(ledger: Ledger, limit: int) -> list[str]:
    """What is due to be handed out again: follow-ups, and what a dead worker left."""
    return await ledger.write(lambda stores: stores.actions.due(limit))


async def claim(ledger: Ledger, action_ids: Sequence[str], lease: float) -> list[Action]:
    """Those of the actions not done nor held elsewhere, now held for `lease` seconds: in one
    transaction (a raid's actions queued for the write lock one claim at a time)."""
    return await ledger.write(lambda stores: stores.actions.claim(action_ids, lease))


async def renew(ledger: Ledger, held: Mapping[str, int], lease: float) -> None:
    """Every action in `held` (id: the attempt it was claimed as) held `lease` seconds more, in
    one statement; one another worker took over is left to it."""
    if held:
        await ledger.write(lambda stores: stores.actions.renew(held, lease))


async def hand_back(ledger: Ledger, action_id: str, attempt: int, reason: str) -> None:
    """Claimable again at once, by any replica."""
    await ledger.write(lambda stores: stores.actions.later(action_id, attempt, 0, reason))


async def put_back(ledger: Ledger, action: Action, delay: float, reason: str, calls: int) -> None:
    """Tried again after `delay` seconds."""
    await ledger.step(
        lambda stores: stores.actions.later(action.action_id, action.attempts, delay, reason, calls)
    )


async def finish(
    ledger: Ledger, action: Action, state: State, error: str | None, calls: int
) -> bool:
    """Its end recorded; False when another worker holds it now (the end is theirs)."""
    return await ledger.step(
        lambda stores: stores.actions.finish(action.action_id, action.attempts, state, error, calls)
    )
