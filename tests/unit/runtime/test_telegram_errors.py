"""Every Bot API error the services tell apart, from Telegram's own descriptions (TELEGRAM.md and
the sandbox, which answers with them), to the one kind it means."""

from __future__ import annotations

import pytest
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetMe

from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of
from gmbot.sandbox.methods.messages import NOT_MODIFIED

METHOD = GetMe()


def _bad_request(reason: str) -> TelegramBadRequest:
    return TelegramBadRequest(METHOD, f"Bad Request: {reason}")


def _forbidden(reason: str) -> TelegramForbiddenError:
    return TelegramForbiddenError(METHOD, f"Forbidden: {reason}")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_bad_request(NOT_MODIFIED), ErrorKind.NOT_MODIFIED),
        (_bad_request("message to edit not found"), ErrorKind.MESSAGE_GONE),
        (_bad_request("message to delete not found"), ErrorKind.MESSAGE_GONE),
        (_bad_request("message can't be edited"), ErrorKind.MESSAGE_GONE),
        (_bad_request("message can't be deleted"), ErrorKind.MESSAGE_GONE),
        (_bad_request("MESSAGE_ID_INVALID"), ErrorKind.MESSAGE_GONE),
        (_bad_request("message to be replied not found"), ErrorKind.REPLY_TARGET_GONE),
        (_bad_request("replied message not found"), ErrorKind.REPLY_TARGET_GONE),
        (
            _bad_request("query is too old and response timeout expired or query ID is invalid"),
            ErrorKind.QUERY_TOO_OLD,
        ),
        (_bad_request("chat not found"), ErrorKind.CHAT_GONE),
        (_bad_request("group chat was upgraded to a supergroup chat"), ErrorKind.CHAT_GONE),
        (_forbidden("the group chat was deleted"), ErrorKind.CHAT_GONE),
        (_bad_request("PEER_ID_INVALID"), ErrorKind.CHAT_GONE),
        (
            TelegramMigrateToChat(METHOD, "Bad Request: group chat was upgraded", -100123),
            ErrorKind.CHAT_GONE,
        ),
        (_bad_request("HIDE_REQUESTER_MISSING"), ErrorKind.JOIN_REQUEST_GONE),
        (_bad_request("INVITE_HASH_EXPIRED"), ErrorKind.INVITE_LINK_GONE),
        (_forbidden("bot was blocked by the user"), ErrorKind.BOT_BLOCKED),
        (_forbidden("bot can't initiate conversation with a user"), ErrorKind.BOT_BLOCKED),
        (_forbidden("user is deactivated"), ErrorKind.BOT_BLOCKED),
        (_forbidden("bot was kicked from the supergroup chat"), ErrorKind.BOT_REMOVED),
        (_forbidden("bot was kicked from the channel chat"), ErrorKind.BOT_REMOVED),
        (_forbidden("bot is not a member of the channel chat"), ErrorKind.BOT_REMOVED),
        (_forbidden("bot is not a member of the supergroup chat"), ErrorKind.BOT_REMOVED),
        (
            _bad_request("not enough rights to restrict/unrestrict chat member"),
            ErrorKind.NOT_ENOUGH_RIGHTS,
        ),
        (
            _bad_request("not enough rights to send text messages to the chat"),
            ErrorKind.NOT_ENOUGH_RIGHTS,
        ),
        (_bad_request("not enough rights to manage chat invite link"), ErrorKind.NOT_ENOUGH_RIGHTS),
        (_bad_request("have no rights to send a message"), ErrorKind.NOT_ENOUGH_RIGHTS),
        (
            _bad_request("need administrator rights in the channel chat"),
            ErrorKind.NOT_ENOUGH_RIGHTS,
        ),
        (_bad_request("CHAT_ADMIN_REQUIRED"), ErrorKind.NOT_ENOUGH_RIGHTS),
        (_bad_request("member list is inaccessible"), ErrorKind.NOT_ENOUGH_RIGHTS),
        (
            TelegramRetryAfter(METHOD, "Too Many Requests: retry after 8", 8),
            ErrorKind.RATE_LIMITED,
        ),
        (TelegramServerError(METHOD, "Internal Server Error"), ErrorKind.UNAVAILABLE),
        (TelegramNetworkError(METHOD, "Request timeout error"), ErrorKind.UNAVAILABLE),
        (_bad_request("user is an administrator of the chat"), ErrorKind.REFUSED),
        (_bad_request("message text is empty"), ErrorKind.REFUSED),
        (TelegramNotFound(METHOD, "Not Found"), ErrorKind.REFUSED),
        (
            TelegramConflictError(METHOD, "Conflict: terminated by other getUpdates request"),
            ErrorKind.REFUSED,
        ),
    ],
    ids=lambda value: value.message if isinstance(value, TelegramAPIError) else value.value,
)
def test_each_documented_description_maps_to_its_kind(
    error: TelegramAPIError, kind: ErrorKind
) -> None:
    assert kind_of(error) is kind


def test_a_description_is_read_by_the_type_that_carries_it() -> None:
    # A 404's text is no 400's: only Bad Request and Forbidden carry the reasons told apart.
    assert kind_of(TelegramNotFound(METHOD, "Not Found: message to edit not found")) is (
        ErrorKind.REFUSED
    )
