"""The Bot API client the services share: aiogram's Bot pointed at `TELEGRAM_API_URL`.

Imported only by the services that talk to Telegram (tenancy does not carry aiogram).
"""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from pydantic import BaseModel, Field, HttpUrl, SecretStr, field_validator

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
TELEGRAM = "https://api.telegram.org"


class TelegramSettings(BaseModel):
    """Mixed into the settings of every service that calls the Bot API."""

    bot_token: SecretStr
    # Telegram itself, Telegram's self-hosted Bot API server, or the local sandbox.
    telegram_api_url: HttpUrl = HttpUrl(TELEGRAM)
    # Seconds one Bot API request may take before it counts as failed.
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("bot_token")
    @classmethod
    def _looks_like_a_token(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("not a bot token (expected <digits>:<secret>, as @BotFather gives)")
        return value


def create_bot(settings: TelegramSettings) -> Bot:
    """A Bot for the configured server; the caller closes `bot.session`."""
    base = str(settings.telegram_api_url).rstrip("/")
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(base), timeout=settings.telegram_timeout_seconds
    )
    return Bot(settings.bot_token.get_secret_value(), session=session)
