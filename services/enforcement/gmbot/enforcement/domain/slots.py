"""An action's working slot in the worker pool, as the domain sees it."""

from __future__ import annotations

from typing import Protocol


class Slot(Protocol):
    """The action's working slot in the worker pool. Released while the action only waits (for
    its chat's batch of deletions, for its warning's turn in the group's 20 messages a minute),
    so the slot goes to the next action; retaken when it works again."""

    def release(self) -> None: ...

    async def retake(self) -> None: ...


class Unbounded:
    """No pool: the action keeps going as it is."""

    def release(self) -> None:
        """Nothing held."""

    async def retake(self) -> None:
        """Nothing to wait for."""
