"""A handler's failure, said once with the update it belongs to, then left to the intake: the
pipeline retries it (a back end or Telegram down) or sets it aside as a dead letter
(intake/pipeline.py), so the failure must reach it unhandled."""

from __future__ import annotations

import structlog
from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import ErrorEvent

log = structlog.get_logger("gmbot.gateway.errors")


def errors_router() -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent) -> None:
        log.warning(
            "update not handled",
            update_id=event.update.update_id,
            error_type=type(event.exception).__name__,
            error=str(event.exception),
        )
        # Skipped rather than handled: with no handler left, aiogram raises the failure again,
        # with its own traceback, out of feed_update to the pipeline.
        raise SkipHandler

    return router
