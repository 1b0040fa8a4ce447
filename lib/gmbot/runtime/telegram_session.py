"""aiogram's HTTP session, with the response type of each Bot API method kept alive.

aiogram reads every answer as `Response[<the method's result type>]`, a pydantic generic model.
pydantic caches those in a WeakValueDictionary and keeps no reference of its own: made inside a
function, the model lives until the next full garbage collection, and the call after it builds
model and validator again (3-11 ms). A gateway under load collected it every few seconds and
spent a tenth of its CPU rebuilding `Response[list[Update]]` (py-spy, bench.gateway_polling).
Imported only with aiogram (runtime.telegram.create_bot).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod

# One per method class for the process's life: a few dozen models at most.
_RESPONSE_TYPES: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}


class KeptResponseTypes(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        kind = type(method)
        if kind not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return super().check_response(bot, method, status_code, content)
