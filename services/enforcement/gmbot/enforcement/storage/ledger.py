"""The ledger's transactions. Every use case step opens its own (one RPC, or one step of an
action); the stores inside it are the named queries and never commit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from typing import TypeVar

import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gmbot.enforcement.domain.backoff import Backoff
from gmbot.enforcement.storage.action_store import ActionStore
from gmbot.enforcement.storage.channel_join_store import ChannelJoinStore
from gmbot.enforcement.storage.channel_request_store import ChannelRequestStore, JoinConsentStore
from gmbot.enforcement.storage.due_store import DueStore
from gmbot.enforcement.storage.log_store import LogStore
from gmbot.enforcement.storage.member_store import (
    InviteLinkStore,
    JoinRequestStore,
    ReleaseStore,
    WarningStore,
)
from gmbot.enforcement.storage.restriction_store import RestrictionStore
from gmbot.enforcement.storage.stats_store import ActivityStore, StatsStore
from gmbot.enforcement.storage.write_turns import WriteTurns
from gmbot.runtime.database import lost_connection_is_unavailable, reading
from gmbot.runtime.errors import Unavailable

log = structlog.get_logger("gmbot.enforcement.storage.ledger")
T = TypeVar("T")


def unreachable(error: BaseException) -> bool:
    """The database could not be reached (refused, dropped, failing over, pool exhausted), as
    opposed to a statement it refused."""
    if isinstance(error, Unavailable | OSError | PoolTimeoutError):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    )


@contextmanager
def _unreachable_is_unavailable() -> Iterator[None]:
    """A database that cannot be reached is UNAVAILABLE to a caller, who retries."""
    try:
        with lost_connection_is_unavailable():
            yield
    except Unavailable:
        raise
    except Exception as error:
        if unreachable(error):
            raise Unavailable("the database cannot be reached; retry") from error
        raise


class Stores:
    """The named queries, all in one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.actions = ActionStore(session)
        self.due = DueStore(session)
        self.restrictions = RestrictionStore(session)
        self.warnings = WarningStore(session)
        self.join_requests = JoinRequestStore(session)
        self.invite_links = InviteLinkStore(session)
        self.releases = ReleaseStore(session)
        self.activity = ActivityStore(session)
        self.stats = StatsStore(session)
        self.channel_joins = ChannelJoinStore(session)
        self.channel_requests = ChannelRequestStore(session)
        self.join_consents = JoinConsentStore(session)
        self.log = LogStore(session)


class Ledger:
    def __init__(self, engine: AsyncEngine, patience: float) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._reads = async_sessionmaker(reading(engine), expire_on_commit=False)
        self._patience = patience
        self._turns = WriteTurns(self._sessions) if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Stores]:
        """One transaction, committed when the block ends (rolled back if it raises); a
        database that cannot be reached raises Unavailable at once."""
        async with self._turns.alone() if self._turns else nullcontext():
            with _unreachable_is_unavailable():
                async with self._sessions.begin() as session:
                    yield Stores(session)

    async def write(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        """`work` in one transaction, committed when it returns; a database that cannot be
        reached raises Unavailable at once. On SQLite it may share its transaction with other
        steps waiting for the write lock (storage.write_turns), so it must be safe to run
        again."""
        with _unreachable_is_unavailable():
            return await self._write(work)

    async def read(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        """A step that only reads: on SQLite it does not queue for the write lock behind the
        other workers' steps (a raid's actions each read whether they were released)."""

        async def reading_step() -> T:
            async with self._reads.begin() as session:
                return await work(Stores(session))

        return await self._patiently(reading_step)

    async def step(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        """One step of an action, in a transaction (`write`), tried again (capped exponential
        backoff with jitter) while the database cannot be reached, for up to the patience
        (the lease): an outage shorter than that resumes the action where it was instead of
        repeating its Bot API calls. Every step is safe to repeat (a commit whose answer was
        lost may have happened)."""
        return await self._patiently(lambda: self._write(work))

    async def _write(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        if self._turns:
            return await self._turns.run(lambda session: work(Stores(session)))
        async with self._sessions.begin() as session:
            return await work(Stores(session))

    async def _patiently(self, attempt: Callable[[], Awaitable[T]]) -> T:
        backoff = Backoff()
        give_up = time.monotonic() + self._patience
        while True:
            try:
                with _unreachable_is_unavailable():
                    return await attempt()
            except Unavailable:
                delay = backoff.next_delay()
                if time.monotonic() + delay > give_up:
                    raise
                log.warning("database unreachable; the step waits", retry_in=round(delay, 2))
                await asyncio.sleep(delay)
