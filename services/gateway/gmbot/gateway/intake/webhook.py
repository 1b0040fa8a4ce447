"""The webhook endpoint: Telegram's secret header checked, the update kept or handled before the
answer.

A 2xx tells Telegram the update is done, so it comes only once the update is durably kept (a
member's message in a group: intake.accepting) or the pipeline confirmed it; otherwise 503 with
Retry-After, and Telegram delivers it again (updates of one chat wait).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import structlog
from aiogram import Bot
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiohttp import web
from pydantic import ValidationError

from gmbot.gateway.intake.accepting import Acceptance, judged_alone
from gmbot.gateway.intake.pipeline import Result, UpdatePipeline
from gmbot.gateway.metrics import WEBHOOK_REJECTED

log = structlog.get_logger("gmbot.gateway.webhook")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
WEBHOOK_PATH = "/telegram/webhook"
RETRY_AFTER_SECONDS = 5


# How long an update handled before its answer waits for the kept ones it comes after (its
# answer must come well within Telegram's minute).
FOLLOW_SECONDS = 10.0


def webhook_handler(
    bot: Bot, pipeline: UpdatePipeline, acceptance: Acceptance, secret: str
) -> Handler:
    expected = secret.encode()

    async def handle(request: web.Request) -> web.StreamResponse:
        # aiohttp hands over header bytes that are not UTF-8 as lone surrogates; surrogateescape
        # gives the bytes back, which simply do not match.
        presented = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(presented, expected):
            WEBHOOK_REJECTED.labels("secret").inc()
            log.warning("webhook call with a wrong or missing secret", peer=request.remote)
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError, RecursionError):
            # RecursionError: JSON nested deeper than the parser goes is not an update either.
            WEBHOOK_REJECTED.labels("body").inc()
            log.warning("webhook body is not an update", peer=request.remote)
            return web.Response(status=400, text="not a Telegram update")
        try:
            update.event_type  # noqa: B018 - raises for an update of no type aiogram knows
        except UpdateTypeLookupError:
            # Nothing here handles it; answering anything but 2xx would have it redelivered.
            WEBHOOK_REJECTED.labels("type").inc()
            log.info("update of a type the gateway does not handle", update_id=update.update_id)
            return web.json_response({})
        if judged_alone(update) and await acceptance.accept(update):
            return web.json_response({})
        await acceptance.follow(update, FOLLOW_SECONDS)
        if await pipeline.handle(update) is not Result.CONFIRM:
            return web.Response(status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return web.json_response({})

    return handle


async def register_webhook(
    bot: Bot, url: str, secret: str, max_connections: int, allowed: list[str]
) -> None:
    """Tells Telegram where to deliver (the pending updates kept), and says loudly when Telegram
    still remembers allowed updates without chat_member: GMBot would be half blind."""
    url = url.rstrip("/")
    await bot.set_webhook(
        url if url.endswith(WEBHOOK_PATH) else url + WEBHOOK_PATH,
        secret_token=secret,
        allowed_updates=allowed,
        max_connections=max_connections,
        drop_pending_updates=False,
    )
    info = await bot.get_webhook_info()
    if info.allowed_updates is not None and "chat_member" not in info.allowed_updates:
        log.error(
            "Telegram will NOT send chat_member updates: channel leaves and hidden joins go "
            "unnoticed",
            allowed_updates=info.allowed_updates,
        )
