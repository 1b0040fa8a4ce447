"""Update de-duplication on a real Redis, and in-process without it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from gmbot.gateway.dedup import Claim, UpdateLedger
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
    assert await other.claim(key) is Claim.DONE


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
    await unreachable.aclose()
