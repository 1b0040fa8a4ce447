"""Follow-ups GMBot sets itself (a mute's renewal, a warning's removal, a scheduled kick, the
observe digest): recorded in the transaction of the step they follow; the sweeper hands each
out when it is due."""

from __future__ import annotations

from gmbot.enforcement.domain.actions import NewAction
from gmbot.enforcement.domain.ports import Stores
from gmbot.enforcement.metrics import ACCEPTED


async def schedule(stores: Stores, new: NewAction) -> bool:
    """False: one under its key was there already (nothing added)."""
    _, added = await stores.actions.add(new)
    ACCEPTED.labels(new.kind.value, "accepted" if added else "duplicate").inc()
    return added
