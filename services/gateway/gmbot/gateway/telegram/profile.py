"""What Telegram shows of GMBot before anyone writes to it: the command menus per scope and
language, the description and short description per language, and the default administrator
rights that pre-fill Telegram's "add as administrator" dialog. Published at start-up."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllPrivateChats,
    ChatAdministratorRights,
)

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.flows.setup import CHANNEL_RIGHTS, GROUP_RIGHTS
from gmbot.gateway.texts import LANGUAGES, say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority

log = structlog.get_logger("gmbot.gateway.profile")

PRIVATE_COMMANDS = (
    "start",
    "protect",
    "groups",
    "status",
    "settings",
    "muted",
    "stats",
    "check",
    "unprotect",
    "help",
)
ADMIN_COMMANDS = (
    "protect",
    "unprotect",
    "status",
    "settings",
    "exempt",
    "muted",
    "stats",
    "check",
)


def telegram_code(language: str) -> str:
    """Our language as Telegram's two-letter language_code ("pt_BR" -> "pt")."""
    return language.split("_")[0]


# Where a command works differently in private, its description there.
PRIVATE_DESCRIPTIONS = {"protect": "cmd_private_protect"}


def commands(
    language: str, names: tuple[str, ...], descriptions: Mapping[str, str] | None = None
) -> list[BotCommand]:
    keys = descriptions or {}
    return [
        BotCommand(command=name, description=say(language, keys.get(name, f"cmd_{name}")))
        for name in names
    ]


# The fields every ChatAdministratorRights must carry (as aiogram knows them); the optional ones
# (posting, pinning, topics) are left out, which Telegram reads as not asked for.
_REQUIRED_RIGHTS = tuple(
    name
    for name, field in ChatAdministratorRights.model_fields.items()
    if field.is_required() and name.startswith("can_")
)


def rights(names: tuple[str, ...]) -> ChatAdministratorRights:
    flags = {name: name in names for name in _REQUIRED_RIGHTS}
    flags["can_manage_chat"] = True  # every administrator has it; reading members needs it
    return ChatAdministratorRights(is_anonymous=False, **flags)


async def publish_later(bot: Bot) -> None:
    """`publish` at the budget's lowest priority; a failure is logged, not fatal."""
    try:
        with priority(Priority.LATER):
            await publish(bot)
    except (TelegramAPIError, BackendUnavailable, OSError) as error:
        log.warning("the bot's menus and descriptions were not published", error=str(error))
    else:
        log.info("the bot's menus, descriptions and default rights are published")


async def publish(bot: Bot) -> None:
    await bot.set_my_default_administrator_rights(rights(GROUP_RIGHTS), for_channels=False)
    await bot.set_my_default_administrator_rights(rights(CHANNEL_RIGHTS), for_channels=True)
    # English is also the default for every language GMBot does not speak.
    for language in ("", *LANGUAGES):
        text_language = language or "en"
        code = telegram_code(language)
        await bot.set_my_commands(
            commands(text_language, PRIVATE_COMMANDS, PRIVATE_DESCRIPTIONS),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=code or None,
        )
        await bot.set_my_commands(
            commands(text_language, ADMIN_COMMANDS),
            scope=BotCommandScopeAllChatAdministrators(),
            language_code=code or None,
        )
        await bot.set_my_description(say(text_language, "description"), language_code=code or None)
        await bot.set_my_short_description(
            say(text_language, "short_description"), language_code=code or None
        )
