"""What a Bot API error means, told once for every service: by aiogram's exception type, then by
the start of Telegram's description (its only account of why a request was refused).

A module of its own: gmbot.runtime.telegram is read by settings and the CLI without aiogram.
"""

from __future__ import annotations

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from gmbot.runtime.error_kinds import ErrorKind

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
    ("invite_hash_expired", ErrorKind.INVITE_LINK_GONE),
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
