"""The small world tests play in on the sandbox (a bot administering an owner's supergroup and
channel), and an aiogram Bot against the sandbox."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient


@dataclass(frozen=True)
class BotWorld:
    token: str
    bot_id: int
    owner: int
    group: int
    channel: int


async def bot_world(
    control: SandboxClient,
    *,
    owner: str = "Owner",
    owner_username: str | None = None,
    channel: str = "News",
    channel_username: str = "",
) -> BotWorld:
    """A bot, guard_bot, administering its owner's supergroup "Chat" and channel (public when
    it has a username)."""
    bot = await control.create_bot("guard_bot")
    bot_id = int(bot["user"]["id"])
    named = {} if owner_username is None else {"username": owner_username}
    owner_id = int((await control.create_user(owner, **named))["id"])
    group = int((await control.create_chat("supergroup", "Chat", creator_id=owner_id))["id"])
    made = await control.create_chat(
        "channel", channel, username=channel_username, creator_id=owner_id
    )
    for chat in (group, int(made["id"])):
        await control.promote(chat, bot_id)
    return BotWorld(bot["token"], bot_id, owner_id, group, int(made["id"]))


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
