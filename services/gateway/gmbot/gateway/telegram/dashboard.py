"""Where the owners' Mini App opens from: the private chat's menu button, and a web_app button
under /start, /stats and /muted in private (Telegram takes web_app buttons there only)."""

from __future__ import annotations

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority

log = structlog.get_logger("gmbot.gateway.dashboard")


def with_dashboard(
    keyboard: InlineKeyboardMarkup | None, url: str | None, language: str
) -> InlineKeyboardMarkup | None:
    """`keyboard` with a last row that opens the Mini App (unchanged without MINIAPP_URL)."""
    if url is None:
        return keyboard
    row = [InlineKeyboardButton(text=say(language, "miniapp_open"), web_app=WebAppInfo(url=url))]
    rows = keyboard.inline_keyboard if keyboard is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, row])


async def publish_menu_button(bot: Bot, url: str) -> None:
    """Every private chat's menu button opens the Mini App; a failure is logged, not fatal."""
    try:
        with priority(Priority.LATER):
            await bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(
                    text=say("en", "miniapp_open"), web_app=WebAppInfo(url=url)
                )
            )
    except (TelegramAPIError, BackendUnavailable, OSError) as error:
        log.warning("the menu button was not set", error=str(error))
