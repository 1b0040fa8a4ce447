"""Update de-duplication on a real Redis, and in-process without it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake import dedup
from gmbot.gateway.intake.dedup import DONE_WRITE_SECONDS, UpdateLedger
from gmbot.runtime.redis import create_redis


@pytest.fixture(params=["redis", "local"])
async def ledgers(
    request: pytest.FixtureRequest, redis_url: str
) -> AsyncIterator[tuple[UpdateLedger, UpdateLedger]]:
    """Two replicas' ledgers: sharing Redis, or each on its own (local)."""
    if request.param == "local":
        ledger = UpdateLedger()
        yield ledger, ledger
        return
    first, second = create_redis(redis_url), create_redis(redis_url)
    yield UpdateLedger(first), UpdateLedger(second)
    await first.aclose()
    await second.aclose()


async def test_an_update_is_handled_once(ledgers: tuple[UpdateLedger, UpdateLedger]) -> None:
    one, other = ledgers
    key = f"update:{uuid.uuid4().hex}"

    assert await one.claim(key) is Claim.ACQUIRED
    assert await other.claim(key) is Claim.BUSY
    await one.done(key)
    assert await one.claim(key) is Claim.DONE
    # Until the mark is written the claim stands: another replica is told to wait, never to go.
    assert await other.claim(key) is not Claim.ACQUIRED
    await one.stop()
    assert await other.claim(key) is Claim.DONE


async def test_done_marks_reach_redis_together_within_moments(redis_url: str) -> None:
    one, other = create_redis(redis_url), create_redis(redis_url)
    handler, redelivered_to = UpdateLedger(one), UpdateLedger(other)
    keys = [f"update:{uuid.uuid4().hex}" for _ in range(50)]
    for key in keys:
        assert await handler.claim(key) is Claim.ACQUIRED
        await handler.done(key)

    await asyncio.sleep(DONE_WRITE_SECONDS + 0.5)  # no stop: the marks are written on their own

    assert [await redelivered_to.claim(key) for key in keys] == [Claim.DONE] * len(keys)
    await one.aclose()
    await other.aclose()


async def test_a_released_claim_can_be_taken_again(
    ledgers: tuple[UpdateLedger, UpdateLedger],
) -> None:
    one, other = ledgers
    key = f"update:{uuid.uuid4().hex}"
    await one.claim(key)

    await one.release(key)

    assert await other.claim(key) is Claim.ACQUIRED


async def test_redis_gone_falls_back_to_this_process() -> None:
    unreachable = create_redis("redis://127.0.0.1:1/0")
    ledger = UpdateLedger(unreachable)
    key = f"update:{uuid.uuid4().hex}"

    assert await ledger.claim(key) is Claim.ACQUIRED
    await ledger.done(key)
    assert await ledger.claim(key) is Claim.DONE
    await ledger.stop()  # the mark cannot be written: kept here, and stopping still ends
    await unreachable.aclose()


async def test_a_claim_lives_seconds_while_held_and_lapses_when_its_holder_died(
    ledgers: tuple[UpdateLedger, UpdateLedger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gateway killed mid-update used to leave a 60-second claim that held its chat; now the
    claim lapses within seconds, and only while nobody renews it."""
    # A claim of 2 s, renewed every 2/3 s (the ledger reads both at each use): the test waits
    # 5.5 s of them, not 11.5 s of the real 5 s.
    monkeypatch.setattr(dedup, "CLAIM_SECONDS", 2.0)
    monkeypatch.setattr(dedup, "RENEW_SECONDS", 2.0 / 3)
    one, other = ledgers
    key = f"update:{uuid.uuid4().hex}"
    await one.claim(key)

    async with one.holding(key):
        await asyncio.sleep(dedup.CLAIM_SECONDS + 1)  # a slow handler, renewing its claim
        assert await other.claim(key) is Claim.BUSY
    # The holder is gone without marking it done (as if killed): the claim lapses.
    await asyncio.sleep(dedup.CLAIM_SECONDS + 0.5)

    assert await other.claim(key) is Claim.ACQUIRED
