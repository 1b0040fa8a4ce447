"""SQLite's writers taking turns (storage.write_turns), on a real SQLite file: what waits for a
turn goes in one transaction, one step's failure stays its own, and a caller that gives up takes
nobody else's step with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gmbot.enforcement.storage.write_turns import WriteTurns
from gmbot.runtime.database import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY)"))
    yield engine
    await engine.dispose()


def counting_transactions(engine: AsyncEngine) -> list[int]:
    begun: list[int] = []

    @event.listens_for(engine.sync_engine, "begin")
    def _begun(_connection: Any) -> None:
        begun.append(1)

    return begun


def note(n: int) -> Any:
    async def work(session: AsyncSession) -> int:
        await session.execute(text("INSERT INTO notes VALUES (:n)"), {"n": n})
        return n

    return work


async def notes(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        return list((await connection.scalars(text("SELECT n FROM notes ORDER BY n"))).all())


async def test_the_steps_waiting_for_a_turn_share_one_transaction(engine: AsyncEngine) -> None:
    turns = WriteTurns(async_sessionmaker(engine))
    async with turns.alone():  # another writer's turn: meanwhile 50 steps queue up
        steps = [asyncio.create_task(turns.run(note(n))) for n in range(50)]
        await asyncio.sleep(0)  # each queues up and waits for the turn
        begun = counting_transactions(engine)
    assert await asyncio.gather(*steps) == list(range(50))
    assert len(begun) == 1
    assert await notes(engine) == list(range(50))


async def test_a_failing_step_fails_alone_and_leaves_nothing(engine: AsyncEngine) -> None:
    turns = WriteTurns(async_sessionmaker(engine))

    async def half_done(session: AsyncSession) -> int:
        await session.execute(text("INSERT INTO notes VALUES (99)"))
        raise ValueError("refused")

    async with turns.alone():
        steps = [
            asyncio.create_task(turns.run(work)) for work in (note(1), half_done, note(2), note(3))
        ]
        await asyncio.sleep(0)  # each queues up and waits for the turn
    results = await asyncio.gather(*steps, return_exceptions=True)
    assert results[0] == 1
    assert results[2:] == [2, 3]
    assert isinstance(results[1], ValueError)
    assert await notes(engine) == [1, 2, 3]


async def test_a_step_given_up_before_its_turn_never_runs(engine: AsyncEngine) -> None:
    turns = WriteTurns(async_sessionmaker(engine))
    async with turns.alone():
        given_up = asyncio.create_task(turns.run(note(1)))
        kept = asyncio.create_task(turns.run(note(2)))
        await asyncio.sleep(0)  # each queues up and waits for the turn
        given_up.cancel()
    assert await kept == 2
    assert given_up.cancelled()
    assert await notes(engine) == [2]


async def test_a_turn_cut_short_leaves_the_others_steps_to_the_next(engine: AsyncEngine) -> None:
    turns = WriteTurns(async_sessionmaker(engine))
    inside = asyncio.Event()

    async def stuck(session: AsyncSession) -> int:
        await session.execute(text("INSERT INTO notes VALUES (1)"))
        inside.set()
        await asyncio.Event().wait()
        return 1

    async with turns.alone():
        carrier = asyncio.create_task(turns.run(stuck))
        await asyncio.sleep(0)
        others = [asyncio.create_task(turns.run(note(n))) for n in (2, 3)]
        await asyncio.sleep(0)  # each queues up and waits for the turn
    await inside.wait()  # the carrier's turn took all three
    carrier.cancel()
    assert await asyncio.gather(*others) == [2, 3]
    await asyncio.wait([carrier])
    assert carrier.cancelled()
    assert await notes(engine) == [2, 3]
