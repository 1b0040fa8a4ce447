"""The second look in a raid: 50,000 messages waiting while answers about their senders arrive by
the thousand a second, with GMBot's queue and, in the same run, the naive walk it replaced (an
answer rebuilt and re-heaped the whole queue; a pop walked a Counter of every waiting sender).

    .venv/bin/python -m bench.second_look [--waiting 50000] [--answers 2000] [--seconds 5]

First the cost of one hurry and one pop at 1,000, 10,000 and the full number waiting, side by
side. Then the raid, in one event loop as in the gateway: the real SecondLook (its worker, its
looks) holding `--waiting` messages, `--answers` hurries a second for senders who wait, as many
new messages taking the room the looked-at ones leave, and a ticker that sleeps 5 ms and records
how late it wakes: the event loop's lag, which every update the gateway handles meanwhile pays.
Target: lag p99 < 50 ms with 50,000 waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import random
import statistics
import time
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass

from bench.report import Target, table, targets
from gmbot.gateway.flows.second_look import DueQueue, SecondLook, Waiting

HOUR = 3600.0
TICK = 0.01  # the raid's answers and messages come in batches this often
LAG_PROBE = 0.005


class NaiveWalk(DueQueue[int]):
    """The queue as it was before: O(n) a hurry and a pop."""

    def __init__(self) -> None:
        super().__init__()
        self._order = itertools.count()
        self._due: list[tuple[float, int, Waiting[int]]] = []
        self._counts: Counter[Hashable] = Counter()

    def __len__(self) -> int:
        return len(self._due)

    def push(self, item: int, key: Hashable, attempt: int, due: float) -> None:
        heapq.heappush(self._due, (due, next(self._order), Waiting(item, key, attempt, due)))
        self._counts[key] += 1

    def hurry(self, key: Hashable, now: float) -> bool:
        if key not in self._counts:
            return False
        self._due = [(min(d, now) if w.key == key else d, o, w) for d, o, w in self._due]
        heapq.heapify(self._due)
        return True

    def next_due(self) -> float | None:
        return self._due[0][0] if self._due else None

    def pop(self) -> Waiting[int]:
        _, _, waiting = heapq.heappop(self._due)
        self._counts -= Counter({waiting.key: 1})
        return waiting


class NaiveSecondLook(SecondLook[int]):
    """The same SecondLook over the naive walk, so both run the same worker and looks."""

    def __init__(self, delays: tuple[float, ...], most: int) -> None:
        super().__init__(lambda item: item, delays, most)
        self._queue = NaiveWalk()


def _per_op_us(queue_type: type[DueQueue[int]], waiting: int, ops: int) -> tuple[float, float]:
    """Microseconds for one hurry, then for one pop, with `waiting` senders waiting."""
    queue = queue_type()
    now = time.monotonic()
    for sender in range(waiting):
        queue.push(sender, sender, 0, now + HOUR + sender)
    senders = random.Random(waiting).sample(range(waiting), ops)
    started = time.perf_counter()
    for sender in senders:
        queue.hurry(sender, now)
    hurry = (time.perf_counter() - started) / ops
    started = time.perf_counter()
    for _ in range(ops):
        queue.pop()
    pop = (time.perf_counter() - started) / ops
    return hurry * 1e6, pop * 1e6


@dataclass
class Raid:
    label: str
    lags_ms: list[float]
    hurried: int
    looked: int
    seconds: float

    def lag(self, p: int) -> float:
        return statistics.quantiles(self.lags_ms, n=100, method="inclusive")[p - 1]

    def row(self) -> list[str]:
        return [
            self.label,
            f"{self.hurried / self.seconds:.0f}",
            f"{self.looked / self.seconds:.0f}",
            f"{self.lag(50):.2f}",
            f"{self.lag(99):.2f}",
            f"{max(self.lags_ms):.2f}",
        ]


async def raid(label: str, waiting: int, answers: float, seconds: float) -> Raid:
    # The delays are longer than the run: only what an answer hurries is looked at.
    delays = (HOUR, HOUR)
    second_look = (
        NaiveSecondLook(delays, waiting)
        if label == "naive walk"
        else SecondLook[int](lambda item: item, delays, waiting)
    )
    looked = 0
    rng = random.Random(21)

    async def look(_sender: int) -> bool:
        nonlocal looked
        looked += 1
        await asyncio.sleep(0)  # a look awaits its membership answer
        return rng.random() < 0.75  # a quarter waits again

    senders = list(range(waiting))
    for sender in senders:
        await second_look.schedule(sender)
    await second_look.start(look)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    lags: list[float] = []
    hurried = 0
    fresh = itertools.count(waiting)

    async def ticker() -> None:
        while loop.time() < end:
            asked = loop.time()
            await asyncio.sleep(LAG_PROBE)
            lags.append((loop.time() - asked - LAG_PROBE) * 1000)

    async def answers_and_messages() -> None:
        nonlocal hurried
        batch = max(1, round(answers * TICK))
        while loop.time() < end:
            for _ in range(batch):
                second_look.hurry(rng.choice(senders))
            hurried += batch
            # New messages take the room the looked-at ones left (never past the bound).
            for _ in range(min(batch, waiting - len(second_look))):
                sender = next(fresh)
                senders[rng.randrange(len(senders))] = sender
                await second_look.schedule(sender)
            await asyncio.sleep(TICK)

    started = loop.time()
    await asyncio.gather(ticker(), answers_and_messages())
    took = loop.time() - started
    await second_look.stop()
    return Raid(label, lags, hurried, looked, took)


async def bench(args: argparse.Namespace) -> None:
    sizes = sorted({1_000, 10_000, args.waiting})
    print(f"second_look: one hurry and one pop ({args.ops} of each), GMBot vs the naive walk")
    rows = []
    for waiting in sizes:
        (hurry, pop), (naive_hurry, naive_pop) = (
            _per_op_us(queue, waiting, args.ops) for queue in (DueQueue[int], NaiveWalk)
        )
        rows.append(
            [
                f"{waiting:,}",
                f"{hurry:.2f}",
                f"{naive_hurry:.1f}",
                f"{naive_hurry / hurry:.0f}",
                f"{pop:.2f}",
                f"{naive_pop:.1f}",
                f"{naive_pop / pop:.0f}",
            ]
        )
    headers = ["waiting", "hurry µs", "naive µs", "×", "pop µs", "naive µs", "×"]
    print(table(headers, rows))
    per_hurry = {row[0]: float(row[1]) for row in rows}
    print(
        f"\nraid: {args.waiting:,} waiting, {args.answers:.0f} answers/s for waiting senders "
        f"(and as many new messages), {args.seconds:.0f} s each, lag probe every 5 ms"
    )
    results = [
        await raid(label, args.waiting, args.answers, args.seconds)
        for label in ("naive walk", "GMBot")
    ]
    headers = ["queue", "hurried/s", "looked/s", "lag p50 ms", "lag p99 ms", "lag max ms"]
    print(table(headers, [r.row() for r in results]))
    ours = results[-1]
    growth = per_hurry[f"{args.waiting:,}"] / per_hurry["1,000"]
    print()
    print(
        targets(
            [
                Target(
                    f"event-loop lag p99, {args.waiting:,} waiting, raid",
                    "< 50 ms",
                    f"{ours.lag(99):.2f} ms (naive walk: {results[0].lag(99):.0f} ms)",
                    ours.lag(99) < 50,
                ),
                Target(
                    f"hurry at {args.waiting:,} waiting / at 1,000",
                    "info (O(log n))",
                    f"{growth:.1f}",
                    None,
                ),
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiting", type=int, default=50_000)
    parser.add_argument("--answers", type=float, default=2000.0, help="hurries a second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--ops", type=int, default=200, help="hurries and pops timed per size")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
