"""The bot's own messages that remove themselves (a settings panel left in a group): a deletion
scheduled in the ledger, like a warning's (ExpireWarning), so it survives restarts and runs
once across replicas. One per (chat, message): asked again while it waits, it moves."""

from __future__ import annotations

from datetime import timedelta

from gmbot.enforcement.domain.actions import ExpireWarning, NewAction
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.ports import Ledger, Stores

# Telegram lets a bot delete a message for 48 hours.
MAX_DELAY_SECONDS = 48 * 3600


def key_of(chat_id: int, message_id: int) -> str:
    return f"expire-message:{chat_id}:{message_id}"


async def expire_later(ledger: Ledger, chat_id: int, message_id: int, delay: float) -> bool:
    """Deletes the message `delay` seconds from now; True when a deletion waiting for it was
    moved there."""
    new = NewAction(key_of(chat_id, message_id), chat_id, 0, "", ExpireWarning(message_id), delay)

    async def scheduled(stores: Stores) -> bool:
        if await schedule(stores, new):
            return False
        # A repeated key adds nothing: the waiting deletion moves instead (none if it ran).
        return await stores.due.move(new.idempotency_key, now() + timedelta(seconds=delay))

    return await ledger.step(scheduled)
