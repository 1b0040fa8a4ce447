"""The floor GMBot is measured against: a stand-in, written here, for the guard an owner would
otherwise run. Public single-process aiogram guards are written alike; this one follows
doffskiii/channel-guard-bot (studied, none of its code copied) through a group message.

    BOT_TOKEN=... TELEGRAM_API_URL=http://... BENCH_WORLD=world.json \\
        .venv/bin/python -m bench.baseline_bot [--webhook-port PORT]

The environment is the one bench.peer documents for any bot the benches run. What it does, as
that guard does:
- aiogram's Bot and Dispatcher with one Router; updates come from `Dispatcher.start_polling`,
  aiogram's own loop, which moves the offset past a batch as it hands its updates to tasks
  (or, with `--webhook-port`, from an aiohttp endpoint, POST /hook, that answers once the update
  was handled: the guard has no webhook, decision_latency needs one).
- two message handlers behind aiogram's filters: a join or leave notice
  (`F.content_type.in_(...)`, a magic filter, which aiogram resolves in a worker thread) is
  deleted; every other message reaches the guard, which lets a channel's post and a message
  without a sender through, then a person whose (chat, person) is in an in-memory set.
- that set is warm from the start: every subscribed member of BENCH_WORLD in each of its groups
  (the guard loads its set from SQLite at start).
- a person not in the set: the guard asks getChatMember and, for anyone but an administrator,
  mutes them until they solve a captcha. Here the question is whether they follow the channel: a
  follower joins the set, anyone else's message is deleted and they are muted.

What it leaves out: the guard's debug middleware, which writes every update to its log as JSON,
and aiogram's INFO line per update (this logs warnings only); the captcha, its keyboard and
timers; chat_member joins; the SQLite write and the per-person lock of a new verification. None
of it is on the path of a known member's message, or it only makes the guard slower. So on the
benches' load (known members writing) the stand-in does at least the guard's work per message
and no more: GMBot's ratio against it is not flattered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
from pathlib import Path

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ChatMemberStatus, ContentType
from aiogram.types import ChatPermissions, Message, Update
from aiohttp import web

log = logging.getLogger("bench.baseline_bot")

MUTED = ChatPermissions(can_send_messages=False)
NOTICES = {ContentType.NEW_CHAT_MEMBERS, ContentType.LEFT_CHAT_MEMBER}
FOLLOWING = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR}

Verified = set[tuple[int, int]]


def guard_router(channel: int, verified: Verified) -> Router:
    router = Router(name="guard")

    @router.message(F.content_type.in_(NOTICES))
    async def notice(message: Message, bot: Bot) -> None:
        with contextlib.suppress(Exception):
            await bot.delete_message(message.chat.id, message.message_id)

    @router.message()
    async def guard(message: Message, bot: Bot) -> None:
        user = message.from_user
        if user is None or message.sender_chat:
            return
        chat = message.chat.id
        if (chat, user.id) in verified:
            return
        member = await bot.get_chat_member(channel, user.id)
        if member.status in FOLLOWING:
            verified.add((chat, user.id))
            return
        await bot.delete_message(chat, message.message_id)
        await bot.restrict_chat_member(chat, user.id, MUTED)

    return router


def warm(world: Path) -> tuple[int, Verified]:
    """The channel, and every (group, subscribed member) of the world: the cache, filled."""
    spec = json.loads(world.read_text())
    verified = {(int(g), int(u)) for g in spec["groups"] for u in spec["subscribed"]}
    return int(spec["channel"]), verified


async def serve_webhook(bot: Bot, dispatcher: Dispatcher, port: int) -> None:
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await bot.session.close()


async def run(webhook_port: int | None) -> None:
    channel, verified = warm(Path(os.environ["BENCH_WORLD"]))
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.include_router(guard_router(channel, verified))
    if webhook_port is None:
        # aiogram's own loop, its defaults, as the guard starts it (it stops on SIGTERM).
        await dispatcher.start_polling(bot, allowed_updates=["message"])
    else:
        await serve_webhook(bot, dispatcher, webhook_port)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.baseline_bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--webhook-port", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.webhook_port))


if __name__ == "__main__":
    main()
