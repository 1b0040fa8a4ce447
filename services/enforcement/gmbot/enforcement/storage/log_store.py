"""A log chat's messages in the ledger (domain/action_log.py): each an action of kind
log_message whose group_id is the chat, its lines in its payload. It never commits: the
caller's transaction holds its session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.actions import Action, Kind, LogMessage, State
from gmbot.enforcement.storage.models import ActionRow
from gmbot.enforcement.storage.payloads import action_of, dump_payload
from gmbot.enforcement.storage.statements import serialize


class LogStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, *where: Any) -> Action | None:
        # Locked (PostgreSQL): two replicas adding a line to one message take turns, and
        # neither line is lost. SQLite has one writer at a time anyway.
        row = await self._session.scalar(
            select(ActionRow)
            .where(ActionRow.kind == Kind.LOG_MESSAGE.value, *where)
            .order_by(ActionRow.created_at)
            .limit(1)
            .with_for_update()
        )
        return None if row is None else action_of(row)

    async def waiting(self, chat_id: int) -> Action | None:
        """The chat's message that gathers lines: not yet taken by a worker. The chat is held
        until the transaction ends: a row lock cannot hold a message not yet made, and two
        lines reported at once would each start one (a raid's log in several messages)."""
        await serialize(self._session, f"log:{chat_id}")
        return await self._one(
            ActionRow.group_id == chat_id, ActionRow.state == State.PENDING.value
        )

    async def sent(self, chat_id: int, message_id: int) -> Action | None:
        """The chat's message that Telegram numbered `message_id`."""
        return await self._one(
            ActionRow.group_id == chat_id, ActionRow.warning_message_id == message_id
        )

    async def rewrite(
        self, action_id: str, message: LogMessage, due_at: datetime | None = None
    ) -> None:
        """The message's lines are `message`'s now (and it goes at `due_at`, when given)."""
        values: dict[str, Any] = {"request": dump_payload(message)}
        if due_at is not None:
            values["due_at"] = due_at
        await self._session.execute(
            update(ActionRow).where(ActionRow.action_id == action_id).values(**values)
        )
