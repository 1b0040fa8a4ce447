"""SQLite's one writer, taken in turns: a turn carries every step waiting for it in one
transaction.

SQLite lets one transaction write at a time. In a raid hundreds of steps (an Enforce accepted, an
action finished) wait for that lock, each paying for its own BEGIN IMMEDIATE and COMMIT and,
worse, for SQLite's busy handler, which sleeps up to 100 ms between tries. Here the writers of a
process queue in order instead, and whoever's turn comes runs every step queued by then, one
after the other in one transaction, as they would have run one transaction after the other.

A step must be safe to run again (as every ledger step is: a commit whose answer was lost may
have happened): when a shared transaction fails, each of its steps runs again alone, so one
step's error is its own and never its neighbours'.

PostgreSQL writes side by side; its steps keep a transaction each.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]


@dataclass
class _Waiting(Generic[T]):
    work: Work[T]
    done: asyncio.Future[T] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class WriteTurns:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._turn = asyncio.Lock()
        self._queued: list[_Waiting[Any]] = []

    async def run(self, work: Work[T]) -> T:
        """`work` done in a committed transaction, maybe shared with other steps."""
        waiting: _Waiting[T] = _Waiting(work)
        self._queued.append(waiting)
        try:
            async with self._turn:
                if not waiting.done.done():
                    await self._carry()
        except asyncio.CancelledError:
            if waiting in self._queued:  # not taken by a turn yet: it never runs
                self._queued.remove(waiting)
            else:  # a turn has it: done there, with nobody left to hear how it went
                waiting.done.add_done_callback(_heard)
            raise
        return waiting.done.result()

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        """A turn of its own, for a transaction the caller runs itself."""
        async with self._turn:
            yield

    async def _carry(self) -> None:
        taken, self._queued = self._queued, []
        try:
            if len(taken) > 1 and await self._together(taken):
                return
            for waiting in taken:
                await self._alone(waiting)
        finally:
            # Cut short (its caller cancelled): what it had not done waits for the next turn.
            self._queued[:0] = [waiting for waiting in taken if not waiting.done.done()]

    async def _together(self, taken: list[_Waiting[Any]]) -> bool:
        try:
            async with self._sessions.begin() as session:
                results = [await waiting.work(session) for waiting in taken]
        except Exception:  # each step runs again alone and meets its own error
            return False
        for waiting, result in zip(taken, results, strict=True):
            waiting.done.set_result(result)
        return True

    async def _alone(self, waiting: _Waiting[Any]) -> None:
        try:
            async with self._sessions.begin() as session:
                result = await waiting.work(session)
        except Exception as error:  # handed to the step's own caller
            waiting.done.set_exception(error)
        else:
            waiting.done.set_result(result)


def _heard(done: asyncio.Future[Any]) -> None:
    if not done.cancelled():
        done.exception()
