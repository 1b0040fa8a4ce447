"""The Bot API's HTTP face: /bot<token>/<method>, parameters as clients send them, answers and
HTTP statuses as Telegram gives them, every call journaled."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import structlog
from aiohttp import web

from gmbot.sandbox.errors import NOT_FOUND, UNAUTHORIZED, ApiError
from gmbot.sandbox.methods import REGISTRY, Call, chats, members, messages, polling, profile
from gmbot.sandbox.telegram import Telegram

log = structlog.get_logger("gmbot.sandbox.botapi")

# Importing the method modules registers their handlers.
_METHOD_MODULES = (chats, members, messages, polling, profile)
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_CHAT_PARAMS = ("chat_id",)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def _answer(
    body: dict[str, Any], status: int = 200, retry_after: int | None = None
) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def bot_api_handler(telegram: Telegram) -> Any:
    async def handle(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        bot = telegram.bots.get(token) if _TOKEN.match(token) else None
        if bot is None:
            return _answer(UNAUTHORIZED.body(), 401)
        handler = REGISTRY.get(name.lower())
        if handler is None:
            return _answer(NOT_FOUND.body(), 404)
        params: dict[str, Any] = {}
        arrived = time.time()  # the journal keeps when a call came in, as limits count it
        try:
            params = await _params(request)
            chat_id = params.get("chat_id")
            numeric_chat = (
                int(chat_id)
                if isinstance(chat_id, (int, str)) and str(chat_id).lstrip("-").isdigit()
                else None
            )
            await telegram.limits.admit(bot.user.id, name, numeric_chat)
            result = await handler(Call(telegram, bot, name, params))
        except ApiError as error:
            telegram.journal.record(
                bot.user.id,
                name,
                params,
                at=arrived,
                ok=False,
                error_code=error.code,
                description=error.description,
            )
            return _answer(error.body(), error.code, error.parameters.get("retry_after"))
        telegram.journal.record(bot.user.id, name, params, at=arrived, ok=True, result=result)
        return _answer({"ok": True, "result": result})

    return handle
