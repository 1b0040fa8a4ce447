"""What a Bot API error means, told once for every service: by aiogram's exception type, then by
the start of Telegram's description (its only account of why a request was refused).

A module of its own: gmbot.runtime.telegram is read by settings and the CLI without aiogram.
"""

from __future__ import annotations

import enum

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)


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


# The start of each description (after "Bad Request: " or "Forbidden: "), as Telegram words it.
_DESCRIPTIONS: tuple[tuple[str, ErrorKind], ...] = (
    ("message is not modified", ErrorKind.NOT_MODIFIED),
    ("message to edit not found", ErrorKind.MESSAGE_GONE),
    ("message to delete not found", ErrorKind.MESSAGE_GONE),
    ("message can't be edited", ErrorKind.MESSAGE_GONE),
    ("message can't be deleted", ErrorKind.MESSAGE_GONE),
    ("message_id_invalid", ErrorKind.MESSAGE_GONE),
    ("message to be replied not found", ErrorKind.REPLY_TARGET_GONE),
    ("replied message not found", ErrorKind.REPLY_TARGET_GONE),
    ("query is too old", ErrorKind.QUERY_TOO_OLD),
    ("query id is invalid", ErrorKind.QUERY_TOO_OLD),
    ("chat not found", ErrorKind.CHAT_GONE),
    ("group chat was upgraded to a supergroup chat", ErrorKind.CHAT_GONE),
    ("the group chat was deleted", ErrorKind.CHAT_GONE),
    ("peer_id_invalid", ErrorKind.CHAT_GONE),
    ("hide_requester_missing", ErrorKind.JOIN_REQUEST_GONE),
    ("bot was blocked by the user", ErrorKind.BOT_BLOCKED),
    ("bot can't initiate conversation with a user", ErrorKind.BOT_BLOCKED),
    ("user is deactivated", ErrorKind.BOT_BLOCKED),
    ("bot was kicked from the", ErrorKind.BOT_REMOVED),
    ("bot is not a member of the", ErrorKind.BOT_REMOVED),
    ("not enough rights", ErrorKind.NOT_ENOUGH_RIGHTS),
    ("have no rights to send a message", ErrorKind.NOT_ENOUGH_RIGHTS),
    ("need administrator rights in the channel chat", ErrorKind.NOT_ENOUGH_RIGHTS),
    ("chat_admin_required", ErrorKind.NOT_ENOUGH_RIGHTS),
    ("member list is inaccessible", ErrorKind.NOT_ENOUGH_RIGHTS),
)
_STATUS_PREFIXES = ("bad request: ", "forbidden: ")


def kind_of(error: TelegramAPIError) -> ErrorKind:
    """What happened, from the exception aiogram raised for Telegram's answer."""
    if isinstance(error, TelegramRetryAfter):
        return ErrorKind.RATE_LIMITED
    if isinstance(error, TelegramMigrateToChat):
        return ErrorKind.CHAT_GONE
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return ErrorKind.UNAVAILABLE
    if isinstance(error, TelegramBadRequest | TelegramForbiddenError):
        reason = _reason(error.message)
        for start, kind in _DESCRIPTIONS:
            if reason.startswith(start):
                return kind
    return ErrorKind.REFUSED


def _reason(description: str) -> str:
    reason = description.strip().lower()
    for prefix in _STATUS_PREFIXES:
        reason = reason.removeprefix(prefix)
    return reason
