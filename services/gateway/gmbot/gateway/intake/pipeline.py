"""One update, handled at least once and effectively once.

An update is confirmed to Telegram (offset advanced, webhook answered 2xx) only when this says
so: after its decision was accepted downstream. A back end that cannot answer now leaves the
update unconfirmed, to be delivered again; a bug in handling is logged and confirmed, so one bad
update cannot stall every update behind it.
"""

from __future__ import annotations

import time
from enum import Enum

import sentry_sdk
import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from gmbot.gateway.backends import BackendUnavailable
from gmbot.gateway.dedup import Claim, UpdateLedger
from gmbot.gateway.metrics import UPDATES
from gmbot.runtime.logs import request_id

log = structlog.get_logger("gmbot.gateway.intake")

# Failures that pass: the same update will very likely succeed later.
TRANSIENT = (BackendUnavailable, TelegramNetworkError, TelegramRetryAfter, TelegramServerError)


class Result(Enum):
    CONFIRM = "confirm"
    RETRY = "retry"


def update_type(update: Update) -> str:
    return update.event_type or "unknown"


class UpdatePipeline:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, ledger: UpdateLedger) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._ledger = ledger

    async def handle(self, update: Update) -> Result:
        kind = update_type(update)
        key = f"update:{self._bot.id}:{update.update_id}"
        claim = await self._ledger.claim(key)
        if claim is Claim.DONE:
            UPDATES.labels(kind, "duplicate").inc()
            return Result.CONFIRM
        if claim is Claim.BUSY:  # another replica is on it; if it dies, the redelivery is ours
            UPDATES.labels(kind, "busy").inc()
            return Result.RETRY
        token = request_id.set(f"u{update.update_id}")
        started = time.perf_counter()
        try:
            async with self._ledger.holding(key):
                await self._dispatcher.feed_update(self._bot, update)
        except TRANSIENT as error:
            await self._ledger.release(key)
            UPDATES.labels(kind, "retry").inc()
            log.warning("update left for redelivery", type=kind, error=str(error))
            return Result.RETRY
        except Exception:
            await self._ledger.done(key)
            UPDATES.labels(kind, "failed").inc()
            log.exception("update failed; confirmed so it cannot block the others", type=kind)
            sentry_sdk.capture_exception()
            return Result.CONFIRM
        finally:
            request_id.reset(token)
        await self._ledger.done(key)
        UPDATES.labels(kind, "handled").inc()
        log.info("update", type=kind, ms=round((time.perf_counter() - started) * 1000, 2))
        return Result.CONFIRM
