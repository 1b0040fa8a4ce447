"""Who handles a thing announced more than once: the first to claim its key. Intake's update
ledger keeps the claims (in Redis, shared by the replicas); a flow only asks for one."""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Claim(Enum):
    ACQUIRED = "acquired"
    DONE = "done"
    BUSY = "busy"


class Claims(Protocol):
    async def claim(self, key: str) -> Claim: ...

    async def release(self, key: str) -> None:
        """Gives a claim back after a failure, so the next announcement is handled at once."""
