"""When a waiting action runs: moved by whoever scheduled it (a panel in use stays longer). It
never commits: the caller's transaction holds its session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.actions import State
from gmbot.enforcement.storage.models import ActionRow


class DueStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def move(self, idempotency_key: str, due_at: datetime) -> bool:
        """The action under the key runs at `due_at`; False when it is not waiting any more
        (running, or finished)."""
        result = await self._session.execute(
            update(ActionRow)
            .where(
                ActionRow.idempotency_key == idempotency_key,
                ActionRow.state == State.PENDING.value,
            )
            .values(due_at=due_at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
