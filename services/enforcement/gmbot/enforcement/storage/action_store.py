"""Named queries over the action rows. It never commits: the caller's transaction holds its
session.

The domain gets actions as values (payloads.action_of), never the ORM's rows, so no loaded row
needs the bulk updates' changes: they skip SQLAlchemy's session synchronisation, which built an
evaluator of each statement's WHERE clause, a share of enforcement's CPU in a raid (py-spy)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.actions import FINISHED, Action, Kind, NewAction, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.storage.models import ActionRow
from gmbot.enforcement.storage.payloads import action_of, dump_payload
from gmbot.enforcement.storage.statements import insert_for

# An action handed to the queue is looked at again by the sweeper after this long.
SWEEP_AFTER = timedelta(seconds=15)
_UNFINISHED = (State.PENDING.value, State.RUNNING.value)


class ActionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, new: NewAction) -> tuple[str, bool]:
        """Records the action; a repeated idempotency key returns the first action's id (and
        False), without failing the transaction it runs in."""
        created = now()
        action_id = str(uuid.uuid4())
        observed = new.observation is not None
        added = await self._session.scalar(
            insert_for(self._session, ActionRow)
            .values(
                action_id=action_id,
                idempotency_key=new.idempotency_key,
                kind=new.kind.value,
                # Observe mode: finished as it is recorded; no worker ever sees it.
                state=(State.OBSERVED if observed else State.PENDING).value,
                finished_at=created if observed else None,
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
            .on_conflict_do_nothing(index_elements=[ActionRow.idempotency_key])
            .returning(ActionRow.action_id)
        )
        if added is not None:
            return added, True
        existing = await self._session.scalar(
            select(ActionRow.action_id).where(ActionRow.idempotency_key == new.idempotency_key)
        )
        if existing is None:  # a conflict means the row exists; this is a bug
            raise LookupError(f"no action holds the key {new.idempotency_key!r}")
        return existing, False

    async def claim(self, action_ids: Sequence[str], lease: float) -> list[Action]:
        """Takes for this worker, in one statement, those of the actions that are neither
        finished nor held by another worker."""
        moment = now()
        rows = await self._session.scalars(
            update(ActionRow)
            .where(
                ActionRow.action_id.in_(action_ids),
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
            .returning(ActionRow),
            execution_options={"populate_existing": True},
        )
        claimed = []
        for row in rows.all():
            try:
                claimed.append(action_of(row))
            except ValidationError as unreadable:  # never runs; recorded instead of retried
                row.state, row.finished_at, row.lease_until = State.FAILED.value, moment, None
                row.error = f"unreadable payload: {unreadable}"[:2000]
        return claimed

    def _held(self, action_id: str, attempt: int) -> ColumnElement[bool]:
        """Still held by the worker that claimed it as `attempt` (not taken over since)."""
        return (
            (ActionRow.action_id == action_id)
            & (ActionRow.state == State.RUNNING.value)
            & (ActionRow.attempts == attempt)
        )

    async def holds(self, action_id: str, attempt: int) -> bool:
        """Whether the worker that claimed the action as `attempt` still holds it."""
        found = await self._session.scalar(
            select(ActionRow.action_id).where(self._held(action_id, attempt))
        )
        return found is not None

    async def renew(self, held: Mapping[str, int], lease: float) -> None:
        """The workers are still on these actions (each id with the attempt it was claimed as):
        nobody else may take them over yet. One taken over since keeps its new holder's lease."""
        await self._session.execute(
            update(ActionRow)
            .where(
                ActionRow.action_id.in_(held),  # the primary key's index finds the rows
                ActionRow.state == State.RUNNING.value,
                tuple_(ActionRow.action_id, ActionRow.attempts).in_(list(held.items())),
            )
            .values(lease_until=now() + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )

    async def finish(
        self,
        action_id: str,
        attempt: int,
        state: State,
        error: str | None = None,
        telegram_calls: int = 0,
    ) -> bool:
        """Records the end (and the Bot API calls of this run); False when another worker has
        taken the action over."""
        result = await self._session.execute(
            update(ActionRow)
            .where(self._held(action_id, attempt))
            .values(
                state=state.value,
                error=error,
                finished_at=now(),
                lease_until=None,
                telegram_calls=ActionRow.telegram_calls + telegram_calls,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def later(
        self, action_id: str, attempt: int, delay: float, error: str, telegram_calls: int = 0
    ) -> bool:
        """Hands the action back, to run after `delay`; False when no longer held."""
        result = await self._session.execute(
            update(ActionRow)
            .where(self._held(action_id, attempt))
            .values(
                state=State.PENDING.value,
                error=error,
                lease_until=None,
                due_at=now() + timedelta(seconds=delay),
                telegram_calls=ActionRow.telegram_calls + telegram_calls,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_decided_before(
        self, group_id: int, user_id: int | None, before: datetime, why: str
    ) -> int:
        """Cancels what GMBot decided about a member (None: every member of the group) before
        then and has not started yet: pending Enforces, mute renewals and scheduled kicks.
        Returns how many."""
        scheduled_kick = (ActionRow.kind == Kind.KICK.value) & (
            ActionRow.reason == "verification_timeout"
        )
        where = [
            ActionRow.group_id == group_id,
            ActionRow.state == State.PENDING.value,
            ActionRow.created_at <= before,
            or_(ActionRow.kind.in_([Kind.ENFORCE.value, Kind.RENEW_MUTE.value]), scheduled_kick),
        ]
        if user_id is not None:
            where.append(ActionRow.user_id == user_id)
        result = await self._session.execute(
            update(ActionRow)
            .where(*where)
            .values(state=State.SKIPPED.value, error=why, finished_at=now(), lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def set_warning(self, action_id: str, message_id: int) -> None:
        await self._session.execute(
            update(ActionRow)
            .where(ActionRow.action_id == action_id)
            .values(warning_message_id=message_id)
            .execution_options(synchronize_session=False)
        )

    async def due(self, limit: int) -> list[str]:
        """Pending actions whose time has come (or whose queue entry may have been lost), and
        actions whose worker died; each is pushed back by SWEEP_AFTER so it is not handed out
        on every sweep."""
        moment = now()
        ids = list(
            await self._session.scalars(
                select(ActionRow.action_id)
                .where(
                    or_(
                        (ActionRow.state == State.PENDING.value) & (ActionRow.due_at <= moment),
                        (ActionRow.state == State.RUNNING.value) & (ActionRow.lease_until < moment),
                    )
                )
                .order_by(ActionRow.due_at)
                .limit(limit)
            )
        )
        if ids:
            await self._session.execute(
                update(ActionRow)
                .where(ActionRow.action_id.in_(ids), ActionRow.state == State.PENDING.value)
                .values(due_at=moment + SWEEP_AFTER)
                .execution_options(synchronize_session=False)
            )
        return ids

    async def unfinished_of(self, kind: Kind, group_id: int, user_id: int) -> list[Action]:
        """A member's actions of a kind that are accepted and not finished."""
        rows = await self._session.scalars(
            select(ActionRow).where(
                ActionRow.group_id == group_id,
                ActionRow.user_id == user_id,
                ActionRow.kind == kind.value,
                ActionRow.state.in_(_UNFINISHED),
            )
        )
        return [action_of(row) for row in rows]

    async def unfinished(self) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(ActionRow).where(ActionRow.state.in_(_UNFINISHED))
        )
        return int(count or 0)

    async def recent(self, group_id: int, limit: int) -> list[ActionRow]:
        """The group's latest actions on its members. A log chat's messages are actions under
        the chat's id, and a group that logs to itself would see them here otherwise."""
        return list(
            await self._session.scalars(
                select(ActionRow)
                .where(ActionRow.group_id == group_id, ActionRow.kind != Kind.LOG_MESSAGE.value)
                .order_by(ActionRow.created_at.desc(), ActionRow.action_id)
                .limit(limit)
            )
        )

    async def prune(self, finished_before: datetime, limit: int) -> int:
        """Deletes at most `limit` actions finished before then; never an unfinished one."""
        batch = (
            select(ActionRow.action_id)
            .where(
                ActionRow.state.in_([state.value for state in FINISHED]),
                ActionRow.finished_at < finished_before,
            )
            .limit(limit)
        )
        result = await self._session.execute(
            delete(ActionRow).where(ActionRow.action_id.in_(batch))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
