"""Lines reported to one log chat at the same moment, as a raid's mutes end together on several
workers and replicas, gather in one message: each report holds the chat until its transaction
ends, so none starts a message of its own beside the one another is making. On PostgreSQL and
on SQLite."""

from __future__ import annotations

import asyncio
from typing import cast

from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain.action_log import ActionLog
from gmbot.enforcement.domain.actions import LogMessage
from gmbot.enforcement.domain.log_lines import LogEvent, LogLine
from gmbot.enforcement.domain.ports import TelegramActions
from gmbot.enforcement.storage.ledger import Ledger

GROUP, LOG_CHAT = -1001000000001, -1001000000009


async def test_lines_reported_at_once_gather_in_one_message(ledger_engine: AsyncEngine) -> None:
    ledger = Ledger(ledger_engine, patience=10)
    # Reporting never reaches Telegram: sending is the message's worker's.
    log = ActionLog(cast(TelegramActions, object()), ledger, b"key", window=30.0)
    lines = [
        LogLine(GROUP, "Chat", "en", 100000 + i, f"Raider{i}", LogEvent.MUTE) for i in range(8)
    ]

    # Every report on a connection of its own from the start, as on replicas already running.
    await asyncio.gather(*(ledger.step(lambda stores: stores.log.sent(GROUP, 1)) for _ in lines))
    reported = await asyncio.gather(*(log.report(LOG_CHAT, line) for line in lines))

    assert all(reported)
    waiting = await ledger.step(lambda stores: stores.log.waiting(LOG_CHAT))
    assert waiting is not None
    assert isinstance(waiting.payload, LogMessage)
    assert sorted(line.user_id for line in waiting.payload.lines) == [
        line.user_id for line in lines
    ]
