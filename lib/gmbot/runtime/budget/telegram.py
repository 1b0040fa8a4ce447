"""Every Bot API call of a process draws from the one budget: an aiogram request middleware on
the Bot's session, so no call can go around it, and the factory that picks where the budget
lives (Redis; the owning process over gRPC; this process when it is the owner).

Imported only by the services that call the Bot API.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import grpc
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from gmbot.runtime.budget.core import (
    Budget,
    LocalBudget,
    PollingBudget,
    Priority,
    Spacing,
    spending,
)
from gmbot.runtime.budget.leased import FallingBackBudget, LeasedBudget
from gmbot.runtime.budget.metrics import TELEGRAM_REQUESTS
from gmbot.runtime.budget.shared import RedisBudget, budget_names
from gmbot.runtime.client import open_channel
from gmbot.runtime.settings import ClientSettings
from gmbot.v1 import budget_pb2_grpc

if TYPE_CHECKING:
    from gmbot.runtime.redis import RedisClient
    from gmbot.runtime.telegram import TelegramSettings

# Long polling and the bot's own bookkeeping are not part of Telegram's request budget.
UNMETERED = frozenset(
    {"getUpdates", "getWebhookInfo", "setWebhook", "deleteWebhook", "getMe", "close", "logOut"}
)
# In a raid: first the checks find out who the violators are, their messages disappear (in a
# few batched calls, so those go first of all), then they are muted, then warned.
_URGENT = frozenset({"deleteMessage", "deleteMessages", "answerCallbackQuery"})
_CHECKS = frozenset({"getChatMember", "getChatAdministrators", "getChat", "getChatMemberCount"})
_PUNISHING = frozenset(
    {
        "restrictChatMember",
        "banChatMember",
        "unbanChatMember",
        "banChatSenderChat",
        "approveChatJoinRequest",
        "declineChatJoinRequest",
    }
)
# Calls that put a message into a chat: in a group they count toward its messages a minute.
_MESSAGES = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "copyMessage"}
)
# A 429 asking for longer than this is not waited out inside the call: the caller decides.
MAX_INLINE_RETRY_AFTER = 30.0
_MAX_RETRIES = 5

# Set around a call to give it another priority than its method's (an owner's reply is URGENT).
call_priority: ContextVar[Priority | None] = ContextVar("call_priority", default=None)


@contextlib.contextmanager
def priority(value: Priority) -> Iterator[None]:
    token = call_priority.set(value)
    try:
        yield
    finally:
        call_priority.reset(token)


def _chat_of(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) and chat_id != 0 else None


class BudgetMiddleware(BaseRequestMiddleware):
    """Waits for the budget before each call; honours a 429 for everyone who shares it."""

    def __init__(self, budget: Budget, sends: Priority) -> None:
        self._budget = budget
        self._sends = sends

    def _priority(self, name: str) -> Priority:
        chosen = call_priority.get()
        if chosen is not None:
            return chosen
        if name in _URGENT:
            return Priority.URGENT
        if name in _CHECKS:
            return Priority.CHECK
        if name in _PUNISHING:
            return Priority.PUNISH
        return self._sends

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name in UNMETERED:
            return await make_request(bot, method)
        chat_id = _chat_of(method)
        message = name in _MESSAGES and chat_id is not None and chat_id < 0
        level = self._priority(name)
        for attempt in range(_MAX_RETRIES + 1):
            try:
                # The call counts in Telegram's windows from its grant until its answer.
                async with spending(self._budget, chat_id, level, message=message):
                    response = await make_request(bot, method)
            except TelegramRetryAfter as error:
                TELEGRAM_REQUESTS.labels(name, "retry_after").inc()
                await self._budget.pause(chat_id, error.retry_after)
                if error.retry_after > MAX_INLINE_RETRY_AFTER or attempt == _MAX_RETRIES:
                    raise
                continue
            except TelegramAPIError:
                TELEGRAM_REQUESTS.labels(name, "error").inc()
                raise
            TELEGRAM_REQUESTS.labels(name, "ok").inc()
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")


def _whole(settings: TelegramSettings) -> Spacing:
    return Spacing.of(
        settings.requests_per_second,
        settings.group_messages_per_minute,
        settings.telegram_timeout_seconds,
    )


def own_budget(settings: TelegramSettings) -> LocalBudget:
    """The whole budget, kept in this process (the owner's, without Redis)."""
    return LocalBudget(_whole(settings))


def _share(settings: TelegramSettings) -> LocalBudget:
    """What one process may spend alone while the shared budget is out of reach."""
    fraction = settings.budget_fallback_share
    return LocalBudget(
        Spacing.of(
            settings.requests_per_second * fraction,
            settings.group_messages_per_minute * fraction,
            settings.telegram_timeout_seconds,
        )
    )


def shared_budget(
    settings: TelegramSettings,
    redis: RedisClient | None,
    lease: ClientSettings,
    resources: AsyncExitStack,
) -> PollingBudget:
    """Where a process that does not own the budget draws from: Redis when it has one, else
    the owner's budget leased over gRPC from `settings.budget_addr`."""
    if redis is not None:
        # Only with a client in hand: a process without Redis never loads redis-py (8 MiB).
        from gmbot.runtime.redis import REDIS_ERRORS, is_cluster

        bot_id = settings.bot_token.get_secret_value().partition(":")[0]
        prefix, legacy = budget_names(settings.budget_redis_prefix, bot_id)
        shared: PollingBudget = RedisBudget(
            redis, prefix, _whole(settings), None if is_cluster(redis) else legacy
        )
        return FallingBackBudget(shared, _share(settings), REDIS_ERRORS)
    channel = open_channel(
        settings.budget_addr, lease, idempotent_methods=[("gmbot.v1.BudgetService", "Pause")]
    )
    resources.push_async_callback(channel.close, None)
    leased = LeasedBudget(budget_pb2_grpc.BudgetServiceStub(channel))
    return FallingBackBudget(leased, _share(settings), (grpc.aio.AioRpcError,))


def install(bot: Bot, budget: Budget, sends: Priority) -> None:
    """From now on every call `bot` makes waits for `budget`."""
    bot.session.middleware(BudgetMiddleware(budget, sends))


# Told of each Bot API request a Bot sends: its method and its chat (None without one).
CallSeen = Callable[[str, int | None], None]


class CallObserver(BaseRequestMiddleware):
    """Tells `seen` of every request that draws from the budget, each retry included (installed
    after the budget, it sees the requests the budget lets through)."""

    def __init__(self, seen: CallSeen) -> None:
        self._seen = seen

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name not in UNMETERED:
            self._seen(name, _chat_of(method))
        return await make_request(bot, method)


def observe_calls(bot: Bot, seen: CallSeen) -> None:
    """From now on `seen` hears of every metered request `bot` makes (for per-group counts)."""
    bot.session.middleware(CallObserver(seen))
