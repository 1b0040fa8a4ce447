"""Enforcement's named queries: the only module that builds SQL. The caller owns transactions
through `Ledger.transaction()`; every method here runs inside one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gmbot.enforcement.actions import PAYLOAD_TYPES, Action, Kind, NewAction, Payload, State
from gmbot.enforcement.models import (
    ActionRow,
    InviteLinkRow,
    JoinRequestRow,
    RestrictionRow,
    WarningRow,
)
from gmbot.runtime.database import lost_connection_is_unavailable

# An action handed to the queue is looked at again by the sweeper after this long.
SWEEP_AFTER = timedelta(seconds=15)


def now() -> datetime:
    return datetime.now(UTC)


# The JSON column holds each payload as its fields by name (the shape the ledger always had).
_CODECS: dict[Kind, TypeAdapter[Any]] = {
    kind: TypeAdapter(payload) for kind, payload in PAYLOAD_TYPES.items()
}


def dump_payload(payload: Payload) -> dict[str, Any]:
    data: dict[str, Any] = _CODECS[payload.kind].dump_python(payload, mode="json")
    return data


def load_payload(kind: Kind, data: dict[str, Any]) -> Payload:
    payload: Payload = _CODECS[kind].validate_python(data)
    return payload


def _action(row: ActionRow) -> Action:
    kind = Kind(row.kind)
    return Action(
        row.action_id,
        row.idempotency_key,
        State(row.state),
        row.group_id,
        row.user_id,
        row.reason,
        load_payload(kind, row.request),
        row.attempts,
        row.warning_message_id,
    )


class Ledger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        with lost_connection_is_unavailable():
            async with self._sessions.begin() as session:
                yield session

    # -- accepting and running actions
    async def accept(self, new: NewAction) -> tuple[str, bool]:
        """Records the action; a repeated idempotency key returns the first action's id."""
        created = now()
        action_id = str(uuid.uuid4())
        try:
            async with self.transaction() as session:
                session.add(
                    ActionRow(
                        action_id=action_id,
                        idempotency_key=new.idempotency_key,
                        kind=new.kind.value,
                        state=State.PENDING.value,
                        group_id=new.group_id,
                        user_id=new.user_id,
                        reason=new.reason,
                        request=dump_payload(new.payload),
                        attempts=0,
                        due_at=created
                        + timedelta(seconds=new.delay)
                        + (SWEEP_AFTER if not new.delay else timedelta()),
                        created_at=created,
                    )
                )
        except IntegrityError:
            async with self.transaction() as session:
                existing = await session.scalar(
                    select(ActionRow.action_id).where(
                        ActionRow.idempotency_key == new.idempotency_key
                    )
                )
            if existing is None:
                raise
            return existing, False
        return action_id, True

    async def claim(self, action_id: str, lease: float) -> Action | None:
        """Takes the action for this worker, unless it is finished or another worker holds it."""
        moment = now()
        async with self.transaction() as session:
            result = await session.execute(
                update(ActionRow)
                .where(
                    ActionRow.action_id == action_id,
                    or_(
                        ActionRow.state == State.PENDING.value,
                        (ActionRow.state == State.RUNNING.value) & (ActionRow.lease_until < moment),
                    ),
                )
                .values(
                    state=State.RUNNING.value,
                    lease_until=moment + timedelta(seconds=lease),
                    attempts=ActionRow.attempts + 1,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await session.get(ActionRow, action_id, populate_existing=True)
            return None if row is None else _action(row)

    async def renew(self, action_id: str, lease: float) -> None:
        """The worker is still on it: nobody else may take it over yet."""
        async with self.transaction() as session:
            await session.execute(
                update(ActionRow)
                .where(ActionRow.action_id == action_id, ActionRow.state == State.RUNNING.value)
                .values(lease_until=now() + timedelta(seconds=lease))
            )

    async def finish(self, action_id: str, state: State, error: str | None = None) -> None:
        async with self.transaction() as session:
            await session.execute(
                update(ActionRow)
                .where(ActionRow.action_id == action_id)
                .values(state=state.value, error=error, finished_at=now(), lease_until=None)
            )

    async def later(self, action_id: str, delay: float, error: str) -> None:
        async with self.transaction() as session:
            await session.execute(
                update(ActionRow)
                .where(ActionRow.action_id == action_id)
                .values(
                    state=State.PENDING.value,
                    error=error,
                    lease_until=None,
                    due_at=now() + timedelta(seconds=delay),
                )
            )

    async def set_warning(self, action_id: str, message_id: int) -> None:
        async with self.transaction() as session:
            await session.execute(
                update(ActionRow)
                .where(ActionRow.action_id == action_id)
                .values(warning_message_id=message_id)
            )

    async def due(self, limit: int) -> list[str]:
        """Pending actions whose time has come (or whose queue entry may have been lost), and
        actions whose worker died; each is pushed back by SWEEP_AFTER so it is not handed out
        on every sweep."""
        moment = now()
        async with self.transaction() as session:
            ids = list(
                await session.scalars(
                    select(ActionRow.action_id)
                    .where(
                        or_(
                            (ActionRow.state == State.PENDING.value) & (ActionRow.due_at <= moment),
                            (ActionRow.state == State.RUNNING.value)
                            & (ActionRow.lease_until < moment),
                        )
                    )
                    .order_by(ActionRow.due_at)
                    .limit(limit)
                )
            )
            if ids:
                await session.execute(
                    update(ActionRow)
                    .where(ActionRow.action_id.in_(ids), ActionRow.state == State.PENDING.value)
                    .values(due_at=moment + SWEEP_AFTER)
                )
            return ids

    async def unfinished(self) -> int:
        async with self.transaction() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(ActionRow)
                .where(ActionRow.state.in_([State.PENDING.value, State.RUNNING.value]))
            )
        return int(count or 0)

    async def recent(self, group_id: int, limit: int) -> list[ActionRow]:
        async with self.transaction() as session:
            return list(
                await session.scalars(
                    select(ActionRow)
                    .where(ActionRow.group_id == group_id)
                    .order_by(ActionRow.created_at.desc(), ActionRow.action_id)
                    .limit(limit)
                )
            )

    # -- GMBot's restrictions
    async def restriction(self, group_id: int, user_id: int) -> RestrictionRow | None:
        async with self.transaction() as session:
            return await session.get(RestrictionRow, (group_id, user_id))

    async def impose(self, group_id: int, user_id: int, until_date: int, reason: str) -> None:
        values: dict[str, Any] = {
            "group_id": group_id,
            "user_id": user_id,
            "active": True,
            "until_date": until_date,
            "reason": reason,
            "imposed_at": now(),
            "released_at": None,
        }
        async with self.transaction() as session:
            insert = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            statement = insert(RestrictionRow).values(**values)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[RestrictionRow.group_id, RestrictionRow.user_id],
                    set_={k: v for k, v in values.items() if k not in {"group_id", "user_id"}},
                )
            )

    async def lift(self, group_id: int, user_id: int) -> None:
        async with self.transaction() as session:
            await session.execute(
                update(RestrictionRow)
                .where(RestrictionRow.group_id == group_id, RestrictionRow.user_id == user_id)
                .values(active=False, released_at=now())
            )

    async def restricted_groups(self, user_id: int) -> list[int]:
        async with self.transaction() as session:
            return sorted(
                await session.scalars(
                    select(RestrictionRow.group_id).where(
                        RestrictionRow.user_id == user_id, RestrictionRow.active
                    )
                )
            )

    # -- live warnings
    async def warning(self, group_id: int, user_id: int) -> WarningRow | None:
        async with self.transaction() as session:
            row = await session.get(WarningRow, (group_id, user_id))
        return row if row is not None and row.expires_at > now() else None

    async def warn(
        self, group_id: int, user_ids: list[int], message_id: int, expires_at: datetime
    ) -> None:
        async with self.transaction() as session:
            for user_id in user_ids:
                await session.merge(
                    WarningRow(
                        group_id=group_id,
                        user_id=user_id,
                        message_id=message_id,
                        expires_at=expires_at,
                    )
                )

    async def forget_warning(self, group_id: int, message_id: int) -> list[int]:
        """Drops a warning message; returns the members it warned."""
        async with self.transaction() as session:
            users = list(
                await session.scalars(
                    select(WarningRow.user_id).where(
                        WarningRow.group_id == group_id, WarningRow.message_id == message_id
                    )
                )
            )
            await session.execute(
                delete(WarningRow).where(
                    WarningRow.group_id == group_id, WarningRow.message_id == message_id
                )
            )
        return users

    async def others_on_warning(self, group_id: int, message_id: int, user_id: int) -> int:
        async with self.transaction() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(WarningRow)
                .where(
                    WarningRow.group_id == group_id,
                    WarningRow.message_id == message_id,
                    WarningRow.user_id != user_id,
                )
            )
        return int(count or 0)

    async def unwarn(self, group_id: int, user_id: int) -> None:
        async with self.transaction() as session:
            await session.execute(
                delete(WarningRow).where(
                    WarningRow.group_id == group_id, WarningRow.user_id == user_id
                )
            )

    # -- join requests and invite links
    async def join_request(self, group_id: int, user_id: int, state: str) -> None:
        async with self.transaction() as session:
            await session.merge(
                JoinRequestRow(group_id=group_id, user_id=user_id, state=state, created_at=now())
            )

    async def waiting_join_requests(self, user_id: int) -> list[int]:
        async with self.transaction() as session:
            return sorted(
                await session.scalars(
                    select(JoinRequestRow.group_id).where(
                        JoinRequestRow.user_id == user_id, JoinRequestRow.state == "waiting"
                    )
                )
            )

    async def invite_link(self, channel_id: int, group_id: int) -> str | None:
        async with self.transaction() as session:
            row = await session.get(InviteLinkRow, (channel_id, group_id))
        return None if row is None else row.invite_link

    async def keep_invite_link(self, channel_id: int, group_id: int, link: str) -> str:
        """Stores the link unless a concurrent call stored one first; returns the kept one."""
        try:
            async with self.transaction() as session:
                session.add(
                    InviteLinkRow(
                        channel_id=channel_id, group_id=group_id, invite_link=link, created_at=now()
                    )
                )
        except IntegrityError:
            kept = await self.invite_link(channel_id, group_id)
            if kept is None:
                raise
            return kept
        return link
