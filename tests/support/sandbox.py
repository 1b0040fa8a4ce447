"""An aiogram Bot against the sandbox, and the small world the sandbox's own tests play in: an
owner's supergroup and channel where the bot is an administrator."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient


@dataclass
class Story:
    sandbox: RunningSandbox
    control: SandboxClient
    bot: Bot
    bot_id: int
    token: str
    owner: int
    alice: int
    group: int
    channel: int


def aiogram_bot(url: str, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


async def drain(bot: Bot) -> None:
    """Confirms every pending update, so a test sees only what it causes."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
