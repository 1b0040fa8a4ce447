"""The second look's waiting messages kept in a file (one gateway, no Redis): a process that
stops before a look hands it to the next one, due when it was due; what is settled or given up is
forgotten; a raid's keeps share their fsyncs. (On Redis, with replicas taking over each other's:
tests/integration/gateway/test_waiting_looks.py; the gateway whole: tests/e2e.)"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

from gmbot.gateway.flows.context import GroupMessage, Person, message_from_record, message_record
from gmbot.gateway.flows.second_look import Keeping, SecondLook
from gmbot.gateway.stores.spools import FileSpool
from gmbot.gateway.stores.waiting_looks import KeptLook, WaitingLooks
from tests.support.waiting import eventually

SENDER = 501


def _message(update_id: int, sender: int = SENDER) -> GroupMessage:
    return GroupMessage(
        update_id=update_id,
        chat_id=-100_7,
        chat_title="Raided",
        message_id=update_id + 1000,
        sender=Person(sender, "Mallory", language_code="de", username="mallory"),
        thread_id=3,
        observing=True,
    )


class CountingSpool(FileSpool):
    """A real file spool that counts its writes."""

    def __init__(self, file: Path) -> None:
        super().__init__(file)
        self.keeps = 0

    async def keep(self, records: dict[int, str]) -> None:
        self.keeps += 1
        await super().keep(records)


def _second_look(
    spool: FileSpool, delays: tuple[float, ...] = (0.3, 0.3)
) -> SecondLook[GroupMessage]:
    keeping = Keeping(
        WaitingLooks(spool), lambda m: m.update_id, message_record, message_from_record
    )
    return SecondLook(lambda m: m.sender.user_id, delays=delays, keeping=keeping)


class Looks:
    def __init__(self, settle: bool) -> None:
        self.settle = settle
        self.seen: list[tuple[GroupMessage, float]] = []

    async def __call__(self, message: GroupMessage) -> bool:
        self.seen.append((message, time.monotonic()))
        return self.settle


async def _never(_message: GroupMessage) -> bool:
    raise AssertionError("looked at before its process stopped")


async def test_a_look_due_after_its_process_stopped_is_taken_by_the_next_one(
    tmp_path: Path,
) -> None:
    file = tmp_path / "second-looks.jsonl"
    first = _second_look(FileSpool(file), delays=(0.5,))
    await first.start(_never)
    scheduled = time.monotonic()
    await first.schedule(_message(1))
    await first.stop()

    looks = Looks(settle=True)
    second = _second_look(FileSpool(file))
    await second.start(looks)
    await eventually(lambda: _looked(looks, 1), 5, what="the kept message looked at")
    # Settled: the next process finds nothing waiting.
    await eventually(lambda: _nothing_kept(file), 5, what="the message forgotten")
    await second.stop()

    message, at = looks.seen[0]
    assert message == _message(1)  # whole, its sender and thread too
    assert at - scheduled >= 0.45  # when it was due, not at once


async def test_a_look_cut_short_by_the_stop_is_looked_at_again(tmp_path: Path) -> None:
    file = tmp_path / "second-looks.jsonl"
    started, hold = asyncio.Event(), asyncio.Event()

    async def slow(_message: GroupMessage) -> bool:
        started.set()
        await hold.wait()
        return True

    first = _second_look(FileSpool(file), delays=(0.0,))
    await first.start(slow)
    await first.schedule(_message(2))
    await asyncio.wait_for(started.wait(), 5)
    await first.stop()  # mid-look

    looks = Looks(settle=True)
    second = _second_look(FileSpool(file))
    await second.start(looks)
    await eventually(lambda: _looked(looks, 1), 5, what="the interrupted look taken again")
    await second.stop()


async def test_a_message_given_up_on_is_forgotten(tmp_path: Path) -> None:
    file = tmp_path / "second-looks.jsonl"
    looks = Looks(settle=False)
    second_look = _second_look(FileSpool(file), delays=(0.0, 0.0))
    await second_look.start(looks)
    await second_look.schedule(_message(3))
    await eventually(lambda: _looked(looks, 2), 5, what="both looks")
    await eventually(lambda: _nothing_kept(file), 5, what="the message forgotten")
    await second_look.stop()


async def test_a_raids_unknowns_share_their_writes(tmp_path: Path) -> None:
    spool = CountingSpool(tmp_path / "second-looks.jsonl")
    second_look = _second_look(spool, delays=(3600.0,))
    await second_look.start(_never)
    await asyncio.gather(*(second_look.schedule(_message(n, n)) for n in range(500)))
    await second_look.stop()

    kept = await WaitingLooks(FileSpool(tmp_path / "second-looks.jsonl")).load()
    assert sorted(look.update_id for look in kept) == list(range(500))
    assert spool.keeps <= 2, spool.keeps  # one fsync for the lot (two if one was under way)


async def test_a_kept_look_this_version_cannot_read_is_left_and_the_others_taken(
    tmp_path: Path,
) -> None:
    file = tmp_path / "second-looks.jsonl"
    spool = FileSpool(file)
    no_sender = KeptLook(6, 0, time.time(), {"update_id": 6})
    odd_sender = KeptLook(7, 0, time.time(), {**message_record(_message(7)), "sender": 7})
    readable = KeptLook(8, 0, time.time(), message_record(_message(8)))
    for look in (no_sender, odd_sender, readable):
        await WaitingLooks(spool).keep(look)

    looks = Looks(settle=True)
    second_look = _second_look(FileSpool(file))
    await second_look.start(looks)
    await eventually(lambda: _looked(looks, 1), 5, what="the readable one looked at")
    await second_look.stop()
    assert [message.update_id for message, _ in looks.seen] == [8]


def test_a_message_kept_by_another_version_reads_back() -> None:
    """A rolling upgrade: fields one version added and the other does not know are left out."""
    record = message_record(_message(9))
    record["added_later"] = 1
    record["sender"]["also_added"] = "x"

    assert message_from_record(json.loads(json.dumps(record))) == _message(9)


async def _looked(looks: Looks, times: int) -> bool:
    return len(looks.seen) >= times


async def _nothing_kept(file: Path) -> bool:
    """Read from a copy: a file spool's load rewrites its file, under the running one's feet."""
    copy = file.with_suffix(".copy")
    await asyncio.to_thread(shutil.copyfile, file, copy)
    return await WaitingLooks(FileSpool(copy)).load() == []
