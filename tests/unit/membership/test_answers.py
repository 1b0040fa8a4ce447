"""The meaning of Telegram's statuses, and how long answers live."""

from __future__ import annotations

import asyncio

import pytest

from gmbot.membership.domain.answers import Answer, Source, Status, status_of
from gmbot.membership.domain.singleflight import SingleFlight
from gmbot.membership.domain.ttls import jittered


@pytest.mark.parametrize(
    ("telegram_status", "is_member", "expected"),
    [
        ("creator", False, Status.MEMBER),
        ("administrator", False, Status.MEMBER),
        ("member", False, Status.MEMBER),
        ("restricted", True, Status.MEMBER),
        ("restricted", False, Status.NOT_MEMBER),
        ("left", False, Status.NOT_MEMBER),
        ("kicked", True, Status.NOT_MEMBER),
        ("something new", True, Status.UNKNOWN),
    ],
)
def test_status_of(telegram_status: str, is_member: bool, expected: Status) -> None:
    assert status_of(telegram_status, is_member) is expected


def test_ttl_jitter_stays_within_15_percent() -> None:
    values = [jittered(100.0) for _ in range(2000)]

    assert min(values) >= 85.0
    assert max(values) <= 115.0
    assert max(values) - min(values) > 20  # it does spread


def test_cached_answers_keep_events_as_events() -> None:
    event = Answer(Status.NOT_MEMBER, Source.EVENT, 1.0, "left")
    fetched = Answer(Status.MEMBER, Source.TELEGRAM, 1.0, "member")

    assert event.cached().source is Source.EVENT
    assert fetched.cached().source is Source.CACHE


async def test_single_flight_runs_the_work_once_for_concurrent_callers() -> None:
    flight: SingleFlight[int] = SingleFlight()
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return 42

    results = await asyncio.gather(*(flight.run("k", work) for _ in range(10)))

    assert results == [42] * 10
    assert calls == 1


async def test_single_flight_shares_a_failure_and_then_tries_again() -> None:
    flight: SingleFlight[int] = SingleFlight()

    async def broken() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("telegram down")

    results = await asyncio.gather(
        *(flight.run("k", broken) for _ in range(3)), return_exceptions=True
    )

    assert all(isinstance(r, RuntimeError) for r in results)
    assert await flight.run("k", lambda: asyncio.sleep(0, result=7)) == 7
