"""A channel's primary invite link read with getChat: the bot that may not read the channel
gets no link, and says why at the level the refusal deserves."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import GetChat
from structlog.testing import capture_logs

from gmbot.gateway.telegram.lookup import BotChatLookup
from tests.unit.gateway.fakes import BOT_ID, RecordingSession

CHANNEL = -1001234


@pytest.mark.parametrize(
    ("refusal", "kind", "level"),
    [
        (
            TelegramForbiddenError(
                GetChat(chat_id=CHANNEL), "Forbidden: bot was kicked from the channel chat"
            ),
            "bot-removed",
            "info",
        ),
        (
            TelegramBadRequest(GetChat(chat_id=CHANNEL), "Bad Request: chat not found"),
            "chat-gone",
            "warning",
        ),
    ],
)
async def test_a_channel_the_bot_cannot_read_has_no_link(
    refusal: Exception, kind: str, level: str
) -> None:
    session = RecordingSession({GetChat: refusal})
    lookup = BotChatLookup(Bot(f"{BOT_ID}:TEST", session=session))

    with capture_logs() as logs:
        assert await lookup.primary_invite_link(CHANNEL) is None

    [logged] = [entry for entry in logs if entry["event"] == "channel not read"]
    assert (logged["chat_id"], logged["refusal"], logged["log_level"]) == (CHANNEL, kind, level)
