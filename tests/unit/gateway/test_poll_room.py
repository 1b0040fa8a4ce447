"""When long polling keeps what it holds in the spool to move the offset on: when the window
fills with work in progress, not while update after update fails (a back end down), and never
past an update the spool could not take."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiogram import Bot

from gmbot.gateway.intake.in_hand import Intake
from gmbot.gateway.intake.pipeline import Result
from gmbot.gateway.intake.polling import MIN_ROOM, _Poller
from gmbot.gateway.intake.spool import as_update
from gmbot.gateway.stores.spools import FileSpool
from tests.support.updates import message
from tests.unit.gateway.fakes import BOT_ID
from tests.unit.gateway.test_polling_intake import Pipeline, settle


def poller(pipeline: Pipeline, spool: FileSpool) -> _Poller:
    return _Poller(Bot(f"{BOT_ID}:TEST"), Intake(pipeline), spool, asyncio.Event())


async def test_work_in_progress_is_kept_and_the_offset_moves_past_it(tmp_path: Path) -> None:
    spool = FileSpool(tmp_path / "spool.jsonl")
    polling = poller(Pipeline(), spool)  # nothing is let go: all in hand
    taken = [message(n, user=n) for n in range(1, 81)]
    polling.intake.take(taken)

    assert await polling.make_room()

    assert polling.intake.offset == 81
    kept = await FileSpool(tmp_path / "spool.jsonl").load()
    # each whole, in order, read back as the next process reads it
    assert kept == [u.model_dump(mode="json", exclude_none=True, by_alias=True) for u in taken]
    assert [as_update(raw, polling.bot).update_id for raw in kept] == list(range(1, 81))


async def test_a_back_end_failing_update_after_update_keeps_the_window_where_it_is(
    tmp_path: Path,
) -> None:
    pipeline = Pipeline()
    polling = poller(pipeline, FileSpool(tmp_path / "spool.jsonl"))
    for n in range(1, MIN_ROOM + 1):
        pipeline.gate(n).set()
        pipeline.answers[n] = Result.RETRY
    polling.intake.take([message(n, user=n) for n in range(1, MIN_ROOM + 31)])
    await settle()

    assert not await polling.make_room()
    assert polling.intake.offset == 1
    assert not (tmp_path / "spool.jsonl").exists()

    pipeline.gate(MIN_ROOM + 1).set()  # one handled: the failures were a few, not a back end
    await settle()
    assert await polling.make_room()
    assert polling.intake.offset == MIN_ROOM + 31


async def test_a_spool_that_cannot_keep_them_leaves_them_unconfirmed(tmp_path: Path) -> None:
    (tmp_path / "not-a-directory").write_text("")
    polling = poller(Pipeline(), FileSpool(tmp_path / "not-a-directory" / "spool.jsonl"))
    polling.intake.take([message(n, user=n) for n in range(1, 81)])

    assert not await polling.make_room()

    assert polling.intake.offset == 1
