"""The Bot API client the services share: aiogram's Bot pointed at `TELEGRAM_API_URL`.

Imported only by the services that talk to Telegram (tenancy does not carry aiogram).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, HttpUrl, SecretStr, field_validator

if TYPE_CHECKING:
    from aiogram import Bot

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
TELEGRAM = "https://api.telegram.org"


class TelegramSettings(BaseModel):
    """Mixed into the settings of every service that calls the Bot API."""

    bot_token: SecretStr
    # Telegram itself, Telegram's self-hosted Bot API server, or the local sandbox.
    telegram_api_url: HttpUrl = HttpUrl(TELEGRAM)
    # Seconds one Bot API request may take before it counts as failed.
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Telegram's limits as one budget for the bot token, shared by every process and replica
    # (DESIGN.md): through Redis when REDIS_URL is set, otherwise leased from enforcement.
    requests_per_second: float = Field(default=30.0, gt=0, le=1000)
    group_messages_per_minute: float = Field(default=20.0, gt=0, le=1000)
    # Where the budget lives in Redis (the same for every service of one deployment).
    budget_redis_prefix: str = "gmbot:budget:"
    # The process that owns the budget when there is no Redis (enforcement).
    budget_addr: str = "127.0.0.1:50053"
    # The part of the budget one process may spend alone while the shared one is unreachable.
    budget_fallback_share: float = Field(default=0.25, gt=0, le=1)

    @field_validator("bot_token")
    @classmethod
    def _looks_like_a_token(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("not a bot token (expected <digits>:<secret>, as @BotFather gives)")
        return value


def create_bot(settings: TelegramSettings) -> Bot:
    """A Bot for the configured server; the caller closes `bot.session`."""
    # aiogram takes seconds to import: the settings (and `check-config`) do without it.
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

    from gmbot.runtime.telegram_session import KeptResponseTypes

    base = str(settings.telegram_api_url).rstrip("/")
    session = KeptResponseTypes(
        api=TelegramAPIServer.from_base(base), timeout=settings.telegram_timeout_seconds
    )
    return Bot(settings.bot_token.get_secret_value(), session=session)
