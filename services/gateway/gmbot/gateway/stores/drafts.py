"""An owner's set-up in progress in private (/protect with chat pickers): the group picked and
the channels picked so far, for a quarter of an hour. In Redis when the gateway has one (any
replica may get the next message), in a bounded in-process map otherwise."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field

from gmbot.gateway.stores.recent import RecentAnswers
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient

DRAFT_SECONDS = 900


@dataclass
class Draft:
    group_id: int = 0
    group_title: str = ""
    group_type: str = ""
    channel_ids: list[int] = field(default_factory=list)


class SetupDrafts:
    def __init__(self, redis: RedisClient | None = None, prefix: str = "gmbot:gateway:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}setup-draft:"
        self._local: RecentAnswers[str] = RecentAnswers(DRAFT_SECONDS)

    async def get(self, user_id: int) -> Draft | None:
        raw: str | bytes | None = self._local.get(user_id)
        if self._redis is not None:
            # On a Redis failure: this replica's copy, if it has one.
            with contextlib.suppress(*REDIS_ERRORS):
                raw = await self._redis.get(f"{self._prefix}{user_id}")
        return Draft(**json.loads(raw)) if raw else None

    async def put(self, user_id: int, draft: Draft) -> None:
        raw = json.dumps(asdict(draft))
        self._local.put(user_id, raw)
        if self._redis is not None:
            # On a Redis failure the in-process copy serves this replica.
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.set(f"{self._prefix}{user_id}", raw, ex=DRAFT_SECONDS)

    async def drop(self, user_id: int) -> None:
        self._local.put(user_id, "")
        if self._redis is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.delete(f"{self._prefix}{user_id}")
