"""The floor GMBot is measured against: a single-process aiogram bot doing the same job the
simplest way that is still correct about confirming updates.

    .venv/bin/python -m bench.baseline_bot --api-url URL --token TOKEN --world world.json
        [--webhook-port PORT]

Bot + Dispatcher + one Router with a message handler that decides from an in-process dict
(`world.json`: {"subscribed": [user ids]}): a subscribed member may write; anyone else's message
is deleted and they are muted (deleteMessage + restrictChatMember). Updates come from its own
getUpdates loop that hands each batch to `dispatcher.feed_update`, all of the batch at once, and
advances the offset only after the whole batch was handled; or, with `--webhook-port`, from an
aiohttp endpoint (POST /hook) that answers once the update was handled. The benchmarks start it
in its own process, like each of GMBot's services.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import ChatPermissions, Message, Update
from aiohttp import web

log = logging.getLogger("bench.baseline_bot")

MUTED = ChatPermissions(can_send_messages=False)


def guard_router(subscribed: dict[int, bool]) -> Router:
    router = Router(name="guard")

    @router.message(F.chat.type == "supergroup", F.from_user)
    async def guard(message: Message, bot: Bot) -> None:
        if message.new_chat_members or message.left_chat_member or message.sender_chat:
            return
        user = message.from_user
        if user is None or user.is_bot or subscribed.get(user.id, False):
            return
        await bot.delete_message(message.chat.id, message.message_id)
        await bot.restrict_chat_member(message.chat.id, user.id, MUTED)

    return router


async def poll(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    offset: int | None = None
    while not stop.is_set():
        updates = await bot.get_updates(
            offset=offset, timeout=25, allowed_updates=["message"], request_timeout=40
        )
        if not updates:
            continue
        handled = await asyncio.gather(
            *(dispatcher.feed_update(bot, update) for update in updates), return_exceptions=True
        )
        for failure in (h for h in handled if isinstance(h, BaseException)):
            log.warning("update failed: %s", failure)
        offset = updates[-1].update_id + 1


async def serve_webhook(bot: Bot, dispatcher: Dispatcher, port: int, stop: asyncio.Event) -> None:
    async def hook(request: web.Request) -> web.Response:
        update = Update.model_validate(await request.json(), context={"bot": bot})
        await dispatcher.feed_update(bot, update)
        return web.json_response({})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def run(
    api_url: str, token: str, subscribed: dict[int, bool], webhook_port: int | None
) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()
    dispatcher.include_router(guard_router(subscribed))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if webhook_port is None:
            polling = asyncio.ensure_future(poll(bot, dispatcher, stop))
            await stop.wait()
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        else:
            await serve_webhook(bot, dispatcher, webhook_port, stop)
    finally:
        await bot.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_bot", description=__doc__)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--webhook-port", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    subscribed = dict.fromkeys(json.loads(args.world.read_text())["subscribed"], True)
    asyncio.run(run(args.api_url, args.token, subscribed, args.webhook_port))


if __name__ == "__main__":
    main()
