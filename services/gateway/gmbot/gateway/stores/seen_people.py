"""People GMBot has seen write in a protected group: their name by id (the exempt list shows
names, not ids) and their id by @username (the Bot API cannot look a user up by username, so
`/exempt @name` works only for someone seen here). Kept 30 days, shared by every replica when
the gateway has Redis; a person already known to this replica costs nothing more."""

from __future__ import annotations

from gmbot.gateway.stores.recent import SharedAnswers
from gmbot.runtime.redis import RedisClient

SEEN_SECONDS = 30 * 86_400


class SeenPeople:
    def __init__(self, redis: RedisClient | None = None, prefix: str = "gmbot:gateway:") -> None:
        self._names = SharedAnswers(SEEN_SECONDS, redis, f"{prefix}seen-name:")
        self._ids = SharedAnswers(SEEN_SECONDS, redis, f"{prefix}seen-username:")

    async def seen(self, user_id: int, name: str, username: str | None) -> None:
        """Someone wrote (or was picked, or was replied to): remembered when new or renamed."""
        if name and await self._names.get(str(user_id)) != name:
            await self._names.put(str(user_id), name)
        key = (username or "").lower()
        if key and await self._ids.get(key) != str(user_id):
            await self._ids.put(key, str(user_id))

    async def name(self, user_id: int) -> str | None:
        return await self._names.get(str(user_id))

    async def name_or_id(self, user_id: int) -> str:
        """What to call them: their name when seen, else their id."""
        return await self.name(user_id) or str(user_id)

    async def by_username(self, username: str) -> int | None:
        found = await self._ids.get(username.removeprefix("@").lower())
        return int(found) if found else None
