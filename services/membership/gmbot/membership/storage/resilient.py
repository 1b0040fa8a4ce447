"""Redis first, this process when Redis fails: a check never fails because Redis did.

After a failure Redis is left alone for a few seconds (a dead server would otherwise cost a
timeout on every call), then tried again.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

from gmbot.membership.domain.administrators import AdminList
from gmbot.membership.domain.answers import Answer
from gmbot.membership.metrics import REDIS_FALLBACKS
from gmbot.membership.storage.local_store import LocalStore
from gmbot.membership.storage.redis_store import RedisStore
from gmbot.runtime.redis import REDIS_ERRORS

log = structlog.get_logger("gmbot.membership.store")

RETRY_REDIS_AFTER_SECONDS = 5.0


class ResilientStore:
    def __init__(
        self, redis: RedisStore, local: LocalStore, retry_after: float = RETRY_REDIS_AFTER_SECONDS
    ) -> None:
        self._redis = redis
        self._local = local
        self._retry_after = retry_after
        self._down_until = 0.0

    async def _call(self, name: str, *args: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return await getattr(self._redis, name)(*args)
            except REDIS_ERRORS as error:
                self._down_until = time.monotonic() + self._retry_after
                REDIS_FALLBACKS.inc()
                log.warning("redis failed; answering from this process", op=name, error=str(error))
        return await getattr(self._local, name)(*args)

    async def answers(self, user_id: int, channel_ids: list[int]) -> dict[int, Answer]:
        found: dict[int, Answer] = await self._call("answers", user_id, channel_ids)
        return found

    async def put(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> None:
        await self._call("put", channel_id, user_id, answer, ttl)

    async def put_if_newer(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> bool:
        return bool(await self._call("put_if_newer", channel_id, user_id, answer, ttl))

    async def admins(self, chat_id: int) -> AdminList | None:
        found: AdminList | None = await self._call("admins", chat_id)
        return found

    async def put_admins(self, chat_id: int, admins: AdminList, ttl: float) -> None:
        await self._call("put_admins", chat_id, admins, ttl)

    async def drop_admins(self, chat_id: int) -> None:
        await self._call("drop_admins", chat_id)

    async def index_admins(self, chat_id: int, user_ids: frozenset[int], ttl: float) -> None:
        await self._call("index_admins", chat_id, user_ids, ttl)

    async def index_admin(self, chat_id: int, user_id: int, admin: bool, ttl: float) -> None:
        await self._call("index_admin", chat_id, user_id, admin, ttl)

    async def administered(self, user_id: int) -> list[int]:
        found: list[int] = await self._call("administered", user_id)
        return found

    async def touch(self, user_id: int, group_id: int, now: float, window: float) -> None:
        await self._call("touch", user_id, group_id, now, window)

    async def groups(self, user_id: int, now: float, window: float) -> list[int]:
        found: list[int] = await self._call("groups", user_id, now, window)
        return found

    async def members(
        self, group_id: int, now: float, window: float, after: int, limit: int
    ) -> list[int]:
        found: list[int] = await self._call("members", group_id, now, window, after, limit)
        return found

    async def lock(self, key: str, ttl: float) -> bool:
        return bool(await self._call("lock", key, ttl))

    async def unlock(self, key: str) -> None:
        await self._call("unlock", key)
