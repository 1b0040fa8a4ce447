"""Commands in private, in the sender's Telegram language (resolved once, for every handler)."""

from __future__ import annotations

import re

import pytest
from aiogram.methods import SendMessage
from aiogram.types import User

from gmbot.gateway.telegram.profile import ADMIN_COMMANDS, PRIVATE_COMMANDS
from gmbot.gateway.texts import LANGUAGES, say
from tests.unit.gateway.telegram.dispatching import Telegram, in_private
from tests.unit.gateway.world import OWNER


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_names_every_command_the_menus_offer(language: str) -> None:
    def named(key: str) -> set[str]:
        return set(re.findall(r"/([a-z_]+)\b", say(language, key)))

    assert set(PRIVATE_COMMANDS) | set(ADMIN_COMMANDS) <= named("help")
    assert set(ADMIN_COMMANDS) <= named("group_help")


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("pt-br", "pt_BR"), ("uk", "uk"), (None, "en"), ("xx", "en")],
)
async def test_help_speaks_the_senders_telegram_language(code: str | None, language: str) -> None:
    telegram = Telegram()
    sender = User(id=OWNER, is_bot=False, first_name="Olga", language_code=code)

    await telegram.feed(in_private(1, "/help", sender=sender))

    [reply] = telegram.sent(SendMessage)
    assert reply.chat_id == OWNER
    assert reply.text.startswith(say(language, "help"))
