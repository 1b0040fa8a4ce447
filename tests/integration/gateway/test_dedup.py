"""Update de-duplication on a real Redis, and in-process without it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake import dedup
from gmbot.gateway.intake.dedup import DONE_WRITE_SECONDS, Claimable, UpdateLedger
from gmbot.gateway.intake.done_marks import BotUpdate
from gmbot.runtime.redis import create_redis
from tests.support.waiting import eventually

pytestmark = pytest.mark.redis_cluster


def an_update() -> BotUpdate:
    return BotUpdate(random.randrange(1, 2**40), random.randrange(2**31))


@pytest.fixture(params=["redis", "local"])
async def ledgers(
    request: pytest.FixtureRequest, redis_url: str, prefix: str
) -> AsyncIterator[tuple[UpdateLedger, UpdateLedger]]:
    """Two replicas' ledgers: sharing Redis, or each on its own (local)."""
    if request.param == "local":
        ledger = UpdateLedger()
        yield ledger, ledger
        return
    first, second = create_redis(redis_url), create_redis(redis_url)
    yield UpdateLedger(first, prefix), UpdateLedger(second, prefix)
    await first.aclose()
    await second.aclose()


async def test_an_update_is_handled_once(ledgers: tuple[UpdateLedger, UpdateLedger]) -> None:
    one, other = ledgers
    update = an_update()

    assert await one.claim(update) is Claim.ACQUIRED
    assert await other.claim(update) is Claim.BUSY
    await one.done(update)
    assert await one.claim(update) is Claim.DONE
    # Until the mark is written the claim stands: another replica is told to wait, never to go.
    assert await other.claim(update) is not Claim.ACQUIRED
    await one.stop()
    assert await other.claim(update) is Claim.DONE


async def test_done_marks_reach_redis_together_within_moments(redis_url: str, prefix: str) -> None:
    one, other = create_redis(redis_url), create_redis(redis_url)
    handler, redelivered_to = UpdateLedger(one, prefix), UpdateLedger(other, prefix)
    first = an_update()
    updates = [BotUpdate(first.bot_id, first.update_id + n) for n in range(50)]
    for update in updates:
        assert await handler.claim(update) is Claim.ACQUIRED
        await handler.done(update)

    await asyncio.sleep(DONE_WRITE_SECONDS + 0.5)  # no stop: the marks are written on their own

    assert [await redelivered_to.claim(u) for u in updates] == [Claim.DONE] * len(updates)
    await one.aclose()
    await other.aclose()


async def test_a_done_update_stays_done_once_its_claim_lapsed(
    redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim is left to lapse after the mark: the bit alone says done from then on."""
    monkeypatch.setattr(dedup, "CLAIM_SECONDS", 1.0)
    one, other = create_redis(redis_url), create_redis(redis_url)
    handler, redelivered_to = UpdateLedger(one, prefix), UpdateLedger(other, prefix)
    update = an_update()
    assert await handler.claim(update) is Claim.ACQUIRED
    await handler.done(update)
    await handler.stop()

    async def lapsed() -> bool:
        return await other.exists(f"{prefix}update:{update.key}") == 0

    await eventually(lapsed, dedup.CLAIM_SECONDS + 5, what="the claim lapsed")
    assert await redelivered_to.claim(update) is Claim.DONE
    await one.aclose()
    await other.aclose()


@pytest.mark.parametrize("kind", ["update", "join"])
async def test_a_released_claim_can_be_taken_again(
    ledgers: tuple[UpdateLedger, UpdateLedger], kind: str
) -> None:
    one, other = ledgers
    claimable = an_update() if kind == "update" else f"join:-100{random.randrange(10**9)}:7"
    await one.claim(claimable)

    await one.release(claimable)

    assert await other.claim(claimable) is Claim.ACQUIRED


async def test_redis_gone_falls_back_to_this_process() -> None:
    unreachable = create_redis("redis://127.0.0.1:1/0")
    ledger = UpdateLedger(unreachable)
    update = an_update()

    assert await ledger.claim(update) is Claim.ACQUIRED
    await ledger.done(update)
    assert await ledger.claim(update) is Claim.DONE
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
    update = an_update()
    await one.claim(update)

    async with one.holding(update):
        await asyncio.sleep(dedup.CLAIM_SECONDS + 1)  # a slow handler, renewing its claim
        assert await other.claim(update) is Claim.BUSY
    # The holder is gone without marking it done (as if killed): the claim lapses.
    await asyncio.sleep(dedup.CLAIM_SECONDS + 0.5)

    assert await other.claim(update) is Claim.ACQUIRED


async def test_claims_asked_together_share_a_round_trip_and_each_is_won_once(
    redis_url: str, prefix: str
) -> None:
    """A getUpdates batch's claims go out in one pipeline, each answered as if asked alone:
    done, taken by this replica, or busy with the other, and a flow's own key beside them."""
    one, other = create_redis(redis_url), create_redis(redis_url)
    pipelines = 0
    open_pipeline = one.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal pipelines
        pipelines += 1
        return open_pipeline(*args, **kwargs)

    one.pipeline = counted  # type: ignore[method-assign]
    ours, theirs = UpdateLedger(one, prefix), UpdateLedger(other, prefix)
    first = an_update()
    updates = [BotUpdate(first.bot_id, first.update_id + n) for n in range(200)]
    handled_before = updates[:20]
    for update in handled_before:
        assert await theirs.claim(update) is Claim.ACQUIRED
        await theirs.done(update)
    await theirs.stop()
    join = f"join:{first.bot_id}:{first.update_id}"

    asked: list[Claimable] = [*updates, join]
    mine, yours = await asyncio.gather(
        asyncio.gather(*(ours.claim(c) for c in asked)),
        asyncio.gather(*(theirs.claim(c) for c in asked)),
    )

    assert pipelines == 1
    assert mine[:20] == [Claim.DONE] * 20
    raced = zip(mine[20:], yours[20:], strict=True)
    assert all({a, b} == {Claim.ACQUIRED, Claim.BUSY} for a, b in raced)
    await one.aclose()
    await other.aclose()
