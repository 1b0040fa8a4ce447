"""The sandbox as an aiohttp application, in-process for tests or as its own process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from gmbot.sandbox.botapi import bot_api_handler
from gmbot.sandbox.client import SandboxClient
from gmbot.sandbox.control import Control
from gmbot.sandbox.control_journal import JournalControl
from gmbot.sandbox.control_messages import MessagesControl
from gmbot.sandbox.load import LoadControl
from gmbot.sandbox.telegram import SandboxConfig, Telegram


def make_app(telegram: Telegram) -> web.Application:
    app = web.Application(client_max_size=50 * 1024 * 1024)
    handler = bot_api_handler(telegram)
    app.router.add_route("GET", "/bot{token}/{method}", handler)
    app.router.add_route("POST", "/bot{token}/{method}", handler)
    app.add_routes(Control(telegram).routes())
    app.add_routes(MessagesControl(telegram).routes())
    app.add_routes(JournalControl(telegram).routes())
    app.add_routes(LoadControl(telegram).routes())

    async def close(_app: web.Application) -> None:
        await telegram.close()

    app.on_cleanup.append(close)
    return app


@dataclass
class RunningSandbox:
    telegram: Telegram
    url: str
    control: SandboxClient

    @property
    def api_url(self) -> str:
        """What aiogram's TelegramAPIServer.from_base takes (PTB: base_url=api_url + "/bot")."""
        return self.url


@asynccontextmanager
async def running_sandbox(
    host: str = "127.0.0.1", port: int = 0, config: SandboxConfig | None = None
) -> AsyncIterator[RunningSandbox]:
    telegram = Telegram(config)
    runner = web.AppRunner(make_app(telegram), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    url = f"http://{host}:{bound}"
    control = SandboxClient(url)
    try:
        yield RunningSandbox(telegram, url, control)
    finally:
        await control.close()
        await runner.cleanup()
