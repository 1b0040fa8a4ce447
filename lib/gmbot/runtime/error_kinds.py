"""What a Bot API refusal means, as a value any layer may hold: a domain that must not import
aiogram still tells a message already gone from a missing right (gmbot.runtime.telegram_errors
decides the kind from aiogram's error)."""

from __future__ import annotations

import enum


class ErrorKind(enum.Enum):
    # An edit that changes nothing: the message already says it.
    NOT_MODIFIED = "not-modified"
    # The message to edit or delete is not there any more, or no longer editable or deletable.
    MESSAGE_GONE = "message-gone"
    # The message a reply quotes is gone: the reply can go without the quote.
    REPLY_TARGET_GONE = "reply-target-gone"
    # A callback query answered too late (a redelivery), or one Telegram does not have.
    QUERY_TOO_OLD = "query-too-old"
    # The chat does not exist (any more) as addressed: deleted, or upgraded to a supergroup.
    CHAT_GONE = "chat-gone"
    # A person GMBot cannot write to: they blocked it, never started it, or left Telegram.
    BOT_BLOCKED = "bot-blocked"
    # A join request already approved or declined, or expired: nothing left to decide.
    JOIN_REQUEST_GONE = "join-request-gone"
    # An invite link that no longer lets anyone in: revoked, expired or used up.
    INVITE_LINK_GONE = "invite-link-gone"
    # The bot was removed from the chat, or never was in it.
    BOT_REMOVED = "bot-removed"
    # The bot is in the chat without the administrator right the request needs.
    NOT_ENOUGH_RIGHTS = "not-enough-rights"
    # 429: wait as long as Telegram says, then ask again.
    RATE_LIMITED = "rate-limited"
    # Telegram failed or could not be reached: asking again may work.
    UNAVAILABLE = "unavailable"
    # Refused for a reason not told apart above: asking again will not help.
    REFUSED = "refused"
