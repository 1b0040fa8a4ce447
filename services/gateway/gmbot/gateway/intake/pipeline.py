"""One update, handled at least once and effectively once.

An update is confirmed to Telegram (offset advanced, webhook answered 2xx) only when this says
so: after its decision was accepted downstream. A back end that cannot answer now leaves the
update unconfirmed, to be delivered again, a bounded number of times; then, and at once for a
failure retrying cannot fix, the update becomes a dead letter (kept, counted, replayable) and is
confirmed, so one bad update cannot stall the others. Whoever sent a command that failed is told
to try again later, in their language.
"""

from __future__ import annotations

import time
from enum import Enum

import sentry_sdk
import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ReplyParameters, Update
from aiogram.types.update import UpdateTypeLookupError

from gmbot.gateway.backends import BackendUnavailable
from gmbot.gateway.dead_letters import DeadLetters
from gmbot.gateway.dedup import Claim, UpdateLedger
from gmbot.gateway.metrics import UPDATES
from gmbot.gateway.texts import language_of, say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.logs import request_id

log = structlog.get_logger("gmbot.gateway.intake")

# Failures that pass: the same update will very likely succeed later.
TRANSIENT = (BackendUnavailable, TelegramNetworkError, TelegramRetryAfter, TelegramServerError)


class Result(Enum):
    CONFIRM = "confirm"
    RETRY = "retry"


def update_type(update: Update) -> str:
    """The update's kind; "unknown" for kinds this aiogram does not know (newer than it)."""
    try:
        return update.event_type or "unknown"
    except UpdateTypeLookupError:
        return "unknown"


class UpdatePipeline:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        ledger: UpdateLedger,
        dead_letters: DeadLetters,
        max_deliveries: int,
    ) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._ledger = ledger
        self._dead_letters = dead_letters
        self._max_deliveries = max_deliveries

    async def handle(self, update: Update, *, replay: bool = False) -> Result:
        """`replay`: an operator hands a dead letter back; it is handled even though done."""
        kind = update_type(update)
        key = f"update:{self._bot.id}:{update.update_id}"
        claim = await self._ledger.claim(key)
        if claim is Claim.DONE and not replay:
            UPDATES.labels(kind, "duplicate").inc()
            return Result.CONFIRM
        if claim is Claim.BUSY:  # another replica is on it; if it dies, the redelivery is ours
            UPDATES.labels(kind, "busy").inc()
            return Result.RETRY
        if kind == "unknown":  # nothing of ours to do with it; confirmed so it blocks nobody
            await self._ledger.done(key)
            UPDATES.labels(kind, "ignored").inc()
            return Result.CONFIRM
        token = request_id.set(f"u{update.update_id}")
        started = time.perf_counter()
        try:
            async with self._ledger.holding(key):
                await self._dispatcher.feed_update(self._bot, update)
        except TRANSIENT as error:
            deliveries = await self._dead_letters.failed_again(update.update_id)
            if replay or deliveries < self._max_deliveries:
                await self._ledger.release(key)
                UPDATES.labels(kind, "retry").inc()
                log.warning("update left for redelivery", type=kind, error=str(error))
                return Result.RETRY
            reason = f"still failing after {deliveries} deliveries: {error}"
            await self._set_aside(update, kind, reason, deliveries)
            await self._ledger.done(key)
            return Result.CONFIRM
        except Exception as error:
            log.exception("update failed; set aside so it cannot block the others", type=kind)
            sentry_sdk.capture_exception()
            await self._set_aside(update, kind, f"{type(error).__name__}: {error}", 1)
            await self._ledger.done(key)
            return Result.CONFIRM
        finally:
            request_id.reset(token)
        await self._ledger.done(key)
        UPDATES.labels(kind, "handled").inc()
        log.debug("update", type=kind, ms=round((time.perf_counter() - started) * 1000, 2))
        return Result.CONFIRM

    async def _set_aside(self, update: Update, kind: str, reason: str, deliveries: int) -> None:
        UPDATES.labels(kind, "dead_letter").inc()
        await self._dead_letters.record(
            update.model_dump(mode="json", exclude_none=True, by_alias=True),
            kind,
            reason,
            deliveries,
        )
        await self._apologise(update)

    async def _apologise(self, update: Update) -> None:
        """A person whose command failed hears so, instead of silence."""
        message = update.message
        if message is None or message.from_user is None or not (message.text or "").startswith("/"):
            return
        text = say(language_of(message.from_user.language_code), "try_again_later")
        try:
            with priority(Priority.URGENT):
                await self._bot.send_message(
                    message.chat.id,
                    text,
                    reply_parameters=ReplyParameters(
                        message_id=message.message_id, allow_sending_without_reply=True
                    ),
                )
        except TelegramAPIError as error:
            log.warning("could not say the command failed", error=str(error))
