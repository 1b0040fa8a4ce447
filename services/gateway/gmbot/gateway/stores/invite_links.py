"""Channels' primary invite links (t.me/+…) as the bot saw them when it was made an administrator
of the channel, so an owner may name a private channel in /protect by its link. In Redis when the
gateway has one (every replica sees it), in a bounded in-process map otherwise; getChat confirms
the link still belongs to the channel before it is used."""

from __future__ import annotations

import contextlib

from gmbot.gateway.stores.recent import RecentAnswers
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient

# An in-process entry lives a month (a restart forgets them anyway).
_LOCAL_SECONDS = 30 * 86_400


def link_key(link: str) -> str:
    """The part of a t.me/+… or t.me/joinchat/… link that names the chat."""
    return link.strip().rstrip("/").rsplit("/", 1)[-1].removeprefix("+")


class InviteLinks:
    def __init__(self, redis: RedisClient | None = None, prefix: str = "gmbot:gateway:") -> None:
        self._redis = redis
        self._key = f"{prefix}invite-links"
        self._local: RecentAnswers[int] = RecentAnswers(_LOCAL_SECONDS)

    async def remember(self, link: str, chat_id: int) -> None:
        self._local.put(link_key(link), chat_id)
        if self._redis is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.hset(self._key, link_key(link), str(chat_id))

    async def chat_of(self, link: str) -> int | None:
        found = self._local.get(link_key(link))
        if found is None and self._redis is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                raw = await self._redis.hget(self._key, link_key(link))
                found = int(raw) if raw else None
        return found
