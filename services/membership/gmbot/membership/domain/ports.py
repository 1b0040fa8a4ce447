"""What the domain needs from outside, as Protocols: the store (storage/), Telegram's answers
and the change feed (outbound/). The composition root (app.py) plugs the real ones in."""

from __future__ import annotations

from typing import Protocol

from gmbot.membership.domain.administrators import AdminList
from gmbot.membership.domain.answers import Answer
from gmbot.runtime.budget.core import Priority


class TelegramUnavailable(Exception):
    """Telegram could not give an answer now (network, 5xx, 429); the message says why."""


class TelegramRefused(Exception):
    """Telegram will not answer until something changes (the bot lacks access)."""


class SubscriberTooSlow(Exception):
    """A subscriber to the changes fell too far behind to be told every one."""


class Store(Protocol):
    async def answers(self, user_id: int, channel_ids: list[int]) -> dict[int, Answer]: ...
    async def put(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> None: ...
    async def put_if_newer(
        self, channel_id: int, user_id: int, answer: Answer, ttl: float
    ) -> bool: ...
    async def admins(self, chat_id: int) -> AdminList | None: ...
    async def put_admins(self, chat_id: int, admins: AdminList, ttl: float) -> None: ...
    async def drop_admins(self, chat_id: int) -> None: ...
    async def index_admins(self, chat_id: int, user_ids: frozenset[int], ttl: float) -> None: ...
    async def index_admin(self, chat_id: int, user_id: int, admin: bool, ttl: float) -> None: ...
    async def administered(self, user_id: int) -> list[int]: ...
    async def touch(self, user_id: int, group_id: int, now: float, window: float) -> None: ...
    async def groups(self, user_id: int, now: float, window: float) -> list[int]: ...
    async def members(
        self, group_id: int, now: float, window: float, after: int, limit: int
    ) -> list[int]:
        """Users seen in the group within `window`, ascending, those above `after`, at most
        `limit`."""
        ...

    async def lock(self, key: str, ttl: float) -> bool: ...
    async def unlock(self, key: str) -> None: ...


class Telegram(Protocol):
    async def membership(self, channel_id: int, user_id: int) -> Answer:
        """Every error is an UNKNOWN answer, never "not a member"."""
        ...

    async def administrators(self, chat_id: int, priority: Priority | None = None) -> AdminList:
        """Raises TelegramRefused or TelegramUnavailable. `priority`: how soon Telegram's
        budget serves the call (None: the caller's own)."""
        ...


class Changes(Protocol):
    """Tells every subscriber (the gateways' near caches) what membership learned."""

    async def answer_changed(self, channel_id: int, user_id: int, answer: Answer) -> None: ...
    async def administrators_changed(self, chat_id: int) -> None: ...
