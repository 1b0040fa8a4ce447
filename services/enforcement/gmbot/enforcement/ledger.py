"""The ledger's transactions. Every use case step opens its own (one RPC, or one step of an
action); the stores inside it are the named queries and never commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gmbot.enforcement.action_store import ActionStore
from gmbot.enforcement.actions import NewAction
from gmbot.enforcement.member_store import (
    InviteLinkStore,
    JoinRequestStore,
    RestrictionStore,
    WarningStore,
)
from gmbot.enforcement.metrics import ACCEPTED
from gmbot.runtime.database import lost_connection_is_unavailable

T = TypeVar("T")


class Stores:
    """The named queries, all in one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.actions = ActionStore(session)
        self.restrictions = RestrictionStore(session)
        self.warnings = WarningStore(session)
        self.join_requests = JoinRequestStore(session)
        self.invite_links = InviteLinkStore(session)


class Ledger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Stores]:
        """One transaction, committed when the block ends (rolled back if it raises)."""
        with lost_connection_is_unavailable():
            async with self._sessions.begin() as session:
                yield Stores(session)

    async def step(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        """One step of an action, in its own transaction."""
        async with self.transaction() as stores:
            return await work(stores)


async def schedule(stores: Stores, new: NewAction) -> None:
    """Records a follow-up GMBot sets itself, in the transaction of the step it follows; the
    sweeper hands it out when it is due."""
    _, added = await stores.actions.add(new)
    ACCEPTED.labels(new.kind.value, "accepted" if added else "duplicate").inc()
