"""One update, handled at least once and effectively once.

An update is confirmed to Telegram (offset advanced, webhook answered 2xx) only when this says
so: once it is handled, or kept as a dead letter. Anything else is "not yet", an exception of any
kind included: the update stays unconfirmed and is delivered again. A back end that cannot answer
now (down, refused, out of connections, over the update's deadline) gets the update again with
growing pauses for as long as Telegram would keep it; after that, and at once for a failure
retrying cannot fix, the update becomes a dead letter (kept, counted, replayable) and is
confirmed, so one bad update cannot stall the others. Whoever sent a command that failed is told
to try again later, in their language.

Every update has a deadline: one still in hand past it is logged with the awaits it is stuck in,
given up for now and delivered again, so nothing in hand can hold the intake forever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

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

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.done_marks import BotUpdate
from gmbot.gateway.metrics import UPDATES
from gmbot.gateway.texts import language_of, say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.logs import request_id
from gmbot.runtime.observability import report_exception
from gmbot.runtime.outages import unreachable
from gmbot.runtime.tasks import Overdue, within

log = structlog.get_logger("gmbot.gateway.intake")

# Failures that pass: the same update will very likely succeed later.
TRANSIENT = (
    BackendUnavailable,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    Overdue,
)


def transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT) or unreachable(error)


class Result(Enum):
    CONFIRM = "confirm"
    # Failed for now: taken again later, later each time.
    RETRY = "retry"
    # Another process has it in hand: taken again soon, at a steady pace, so that the claim a
    # killed process left is followed up as soon as it lapses.
    BUSY = "busy"


@dataclass(frozen=True)
class Patience:
    """How long an update may take, and for how long one that fails for now is delivered again
    before it is set aside (Telegram keeps an undelivered update 24 hours: a little less, so
    the update is a dead letter before Telegram forgets it)."""

    deadline_seconds: float = 50.0
    redelivery_seconds: float = 23 * 3600.0


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
        patience: Patience = Patience(),
    ) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._ledger = ledger
        self._dead_letters = dead_letters
        self._patience = patience

    async def handle(self, update: Update, *, replay: bool = False) -> Result:
        """`replay`: an operator hands a dead letter back; it is handled even though done."""
        kind = update_type(update)
        token = request_id.set(f"u{update.update_id}")
        try:
            return await self._handle(update, kind, replay)
        except Exception:
            # Whatever failed (a Redis reply nobody foresaw, a dead letter that could not be
            # kept), the update is not handled: confirming it would lose it. Its claim lapses.
            UPDATES.labels(kind, "retry").inc()
            log.exception("update not handled; left for redelivery", type=kind)
            return Result.RETRY
        finally:
            request_id.reset(token)

    async def _handle(self, update: Update, kind: str, replay: bool) -> Result:
        key = BotUpdate(self._bot.id, update.update_id)
        claim = await self._ledger.claim(key)
        if claim is Claim.DONE and not replay:
            UPDATES.labels(kind, "duplicate").inc()
            return Result.CONFIRM
        if claim is Claim.BUSY:  # another replica is on it; if it dies, the redelivery is ours
            UPDATES.labels(kind, "busy").inc()
            return Result.BUSY
        if kind == "unknown":  # nothing of ours to do with it; confirmed so it blocks nobody
            await self._ledger.done(key)
            UPDATES.labels(kind, "ignored").inc()
            return Result.CONFIRM
        started = time.perf_counter()
        try:
            async with self._ledger.holding(key):
                await self._dispatch(update, kind)
        except Exception as error:
            if not transient(error):
                log.exception("update failed; set aside so it cannot block the others", type=kind)
                report_exception()
                await self._set_aside(update, kind, f"{type(error).__name__}: {error}", 1)
                await self._ledger.done(key)
                return Result.CONFIRM
            failures = await self._dead_letters.failed_again(update.update_id)
            if replay or time.time() - failures.since < self._patience.redelivery_seconds:
                await self._ledger.release(key)
                UPDATES.labels(kind, "retry").inc()
                log.warning("update left for redelivery", type=kind, error=str(error))
                return Result.RETRY
            reason = f"still failing after {failures.count} deliveries: {error}"
            await self._set_aside(update, kind, reason, failures.count)
            await self._ledger.done(key)
            return Result.CONFIRM
        await self._ledger.done(key)
        UPDATES.labels(kind, "handled").inc()
        log.debug("update", type=kind, ms=round((time.perf_counter() - started) * 1000, 2))
        return Result.CONFIRM

    async def _dispatch(self, update: Update, kind: str) -> None:
        """Runs the handlers within the update's deadline; past it, says where they wait."""
        seconds = self._patience.deadline_seconds

        def late(waits_in: list[str]) -> None:
            log.error(
                "update still in hand at its deadline; given up for now",
                type=kind,
                deadline=seconds,
                waits_in=waits_in,
            )

        await within(self._dispatcher.feed_update(self._bot, update), seconds, late)

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
