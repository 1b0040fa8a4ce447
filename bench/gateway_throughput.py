"""Group messages through webhook -> gateway -> services with warm caches, next to a naive bot
that calls getChatMember on every message, both driven by the same harness in one run.

    .venv/bin/python -m bench.gateway_throughput [--seconds 5] [--concurrency 4 16]

Reports updates/s, decision latency p50/p99 (the webhook answers once the decision is
accepted), and Bot API calls per 1,000 messages, from the sandbox's journal.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bench.harness import Figures, load
from gmbot.devstack.stack import StackConfig, running_stack
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig

MEMBERS = 200
_update_ids = itertools.count(10_000_000)


def message_update(group: int, user: int, title: str) -> dict[str, Any]:
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": group, "type": "supergroup", "title": title},
            "from": {"id": user, "is_bot": False, "first_name": "Member"},
            "text": "hello",
        },
    }


async def naive_bot(api_url: str, token: str, channels: list[int]) -> web.AppRunner:
    """What a typical bot does: ask Telegram about every channel for every message."""
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))

    async def handle(request: web.Request) -> web.Response:
        update = await request.json()
        user = update["message"]["from"]["id"]
        for channel in channels:
            await bot.get_chat_member(channel, user)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", handle)
    app.on_cleanup.append(lambda _app: bot.session.close())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def bench(seconds: float, concurrencies: list[int]) -> None:
    config = SandboxConfig(limits=LimitConfig(enabled=False))
    async with running_sandbox(config=config) as sandbox:
        control = sandbox.control
        bot = await control.create_bot("bench_gateway_bot")
        owner = (await control.create_user("Owner"))["id"]
        await control.say_to_bot(bot["user"]["id"], owner, "/start")
        group = (await control.create_chat("supergroup", "Bench", creator_id=owner))["id"]
        channel = (
            await control.create_chat("channel", "News", username="bench_news", creator_id=owner)
        )["id"]
        await control.promote(group, bot["user"]["id"])
        await control.promote(channel, bot["user"]["id"])
        with tempfile.TemporaryDirectory() as data:
            stack_config = StackConfig(
                data_dir=Path(data),
                bot_token=bot["token"],
                telegram_api_url=sandbox.url,
                webhook=True,
                log_dir=Path(data) / "logs",
                env={
                    "gateway": {"LOG_LEVEL": "WARNING"},
                    "tenancy": {"LOG_LEVEL": "WARNING"},
                    "membership": {"LOG_LEVEL": "WARNING"},
                    "enforcement": {"LOG_LEVEL": "WARNING"},
                },
            )
            async with running_stack(stack_config) as stack:
                members = []
                for i in range(MEMBERS):
                    user = (await control.create_user(f"M{i}"))["id"]
                    await control.join(channel, user)
                    await control.join(group, user)
                    members.append(user)
                await control.say(group, owner, "/protect @bench_news")
                await asyncio.sleep(3)
                gateway_env = stack.child("gateway").env
                hook, secret = gateway_env["WEBHOOK_URL"], gateway_env["WEBHOOK_SECRET"]
                naive = await naive_bot(sandbox.url, bot["token"], [channel])
                naive_url = f"http://127.0.0.1:{naive.addresses[0][1]}/hook"
                rng = random.Random(3)
                async with aiohttp.ClientSession() as session:

                    async def post(url: str, headers: dict[str, str]) -> None:
                        body = message_update(group, rng.choice(members), "Bench")
                        async with session.post(url, json=body, headers=headers) as answer:
                            if answer.status != 200:
                                raise RuntimeError(f"{url} answered {answer.status}")

                    async def gateway_call() -> None:
                        await post(hook, {"X-Telegram-Bot-Api-Secret-Token": secret})

                    async def naive_call() -> None:
                        await post(naive_url, {})

                    # Warm the caches the way traffic does: every member speaks once.
                    for _ in range(MEMBERS * 2):
                        await gateway_call()
                    print(f"{MEMBERS} members following the group's channel, caches warm")
                    for concurrency in concurrencies:
                        for label, call in (
                            ("GMBot gateway", gateway_call),
                            ("naive bot", naive_call),
                        ):
                            before = (await control.counters())["methods"].get("getChatMember", 0)
                            figures: Figures = await load(label, call, concurrency, seconds)
                            after = (await control.counters())["methods"].get("getChatMember", 0)
                            per_thousand = (after - before) / figures.calls * 1000
                            cost = f"{per_thousand:7.1f} getChatMember / 1,000 messages"
                            print(f"  {figures.row()}   {cost}")
                await naive.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16])
    args = parser.parse_args()
    asyncio.run(bench(args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
