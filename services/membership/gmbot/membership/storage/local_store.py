"""Membership's store in this process: the only one without Redis, and the fallback when Redis
fails. Bounded everywhere: forgetting the oldest costs Bot API calls, never a wrong answer."""

from __future__ import annotations

import time
from collections import OrderedDict

from gmbot.membership.domain.administrators import AdminList
from gmbot.membership.domain.answers import Answer
from gmbot.runtime.expiring import ExpiringLru

_MAX_LOCAL_ENTRIES = 500_000
# Presence kept in this process: the users seen most recently, and per user the groups seen
# most recently. Forgetting the oldest costs a mute after a channel leave, never a wrong one.
_MAX_SEEN_USERS = 200_000
_MAX_GROUPS_PER_USER = 500
# The same the other way round, for ListGroupMembers: per group the users seen most recently.
_MAX_SEEN_GROUPS = 100_000
_MAX_USERS_PER_GROUP = 10_000
# Administrator lists indexed by user, kept in this process for this many groups at most.
_MAX_INDEXED_GROUPS = 100_000


def _forget_before(seen: dict[int, float], oldest: float) -> None:
    for group_id in [g for g, when in seen.items() if when < oldest]:
        del seen[group_id]


def _see(
    index: OrderedDict[int, dict[int, float]],
    key: int,
    value: int,
    now: float,
    window: float,
    per_key: int,
    keys: int,
) -> None:
    """`value` seen under `key` now: both become the most recent, the oldest past the bounds
    and the window are forgotten."""
    seen = index.pop(key, {})
    seen.pop(value, None)
    seen[value] = now
    _forget_before(seen, now - window)
    while len(seen) > per_key:
        del seen[next(iter(seen))]
    index[key] = seen
    while len(index) > keys:
        index.popitem(last=False)


class LocalStore:
    def __init__(
        self,
        seen_users: int = _MAX_SEEN_USERS,
        groups_per_user: int = _MAX_GROUPS_PER_USER,
        seen_groups: int = _MAX_SEEN_GROUPS,
        users_per_group: int = _MAX_USERS_PER_GROUP,
    ) -> None:
        self._answers: ExpiringLru[tuple[int, int], Answer] = ExpiringLru(_MAX_LOCAL_ENTRIES)
        self._admins: ExpiringLru[int, AdminList] = ExpiringLru(10_000)
        # user id -> {group id: when last seen}, both in order of last sight (oldest first).
        self._seen: OrderedDict[int, dict[int, float]] = OrderedDict()
        self._seen_users = seen_users
        self._groups_per_user = groups_per_user
        # group id -> {user id: when last seen}, ordered the same way.
        self._members: OrderedDict[int, dict[int, float]] = OrderedDict()
        self._seen_groups = seen_groups
        self._users_per_group = users_per_group
        self._locks: ExpiringLru[str, bool] = ExpiringLru(10_000)
        # chat id -> its administrators, oldest written first; user id -> the chats they administer.
        self._indexed: OrderedDict[int, frozenset[int]] = OrderedDict()
        self._administers: dict[int, set[int]] = {}

    @property
    def seen_users(self) -> int:
        """How many users this process remembers presence for."""
        return len(self._seen)

    async def answers(self, user_id: int, channel_ids: list[int]) -> dict[int, Answer]:
        now = time.monotonic()
        found = {c: self._answers.get((c, user_id), now) for c in channel_ids}
        return {c: a for c, a in found.items() if a is not None}

    async def put(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> None:
        self._answers.put((channel_id, user_id), answer, time.monotonic() + ttl)

    async def put_if_newer(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> bool:
        current = self._answers.get((channel_id, user_id), time.monotonic())
        if current is not None and int(current.observed_at) > answer.observed_at:
            return False
        self._answers.put((channel_id, user_id), answer, time.monotonic() + ttl)
        return True

    async def admins(self, chat_id: int) -> AdminList | None:
        return self._admins.get(chat_id, time.monotonic())

    async def put_admins(self, chat_id: int, admins: AdminList, ttl: float) -> None:
        self._admins.put(chat_id, admins, time.monotonic() + ttl)

    async def drop_admins(self, chat_id: int) -> None:
        self._admins.pop(chat_id)

    async def index_admins(self, chat_id: int, user_ids: frozenset[int], ttl: float) -> None:
        """Kept until the process ends (or the oldest list makes room): `ttl` is Redis's."""
        self._unindex(chat_id)
        self._indexed[chat_id] = user_ids
        for user_id in user_ids:
            self._administers.setdefault(user_id, set()).add(chat_id)
        while len(self._indexed) > _MAX_INDEXED_GROUPS:
            self._unindex(next(iter(self._indexed)))

    def _unindex(self, chat_id: int) -> None:
        for user_id in self._indexed.pop(chat_id, frozenset()):
            chats = self._administers.get(user_id, set())
            chats.discard(chat_id)
            if not chats:
                self._administers.pop(user_id, None)

    async def index_admin(self, chat_id: int, user_id: int, admin: bool, ttl: float) -> None:
        current = self._indexed.get(chat_id, frozenset())
        await self.index_admins(chat_id, current | {user_id} if admin else current - {user_id}, ttl)

    async def administered(self, user_id: int) -> list[int]:
        return sorted(self._administers.get(user_id, ()))

    async def touch(self, user_id: int, group_id: int, now: float, window: float) -> None:
        _see(self._seen, user_id, group_id, now, window, self._groups_per_user, self._seen_users)
        _see(
            self._members, group_id, user_id, now, window, self._users_per_group, self._seen_groups
        )

    async def groups(self, user_id: int, now: float, window: float) -> list[int]:
        seen = self._seen.get(user_id)
        if seen is None:
            return []
        _forget_before(seen, now - window)
        if not seen:
            del self._seen[user_id]
        return sorted(seen)

    async def members(
        self, group_id: int, now: float, window: float, after: int, limit: int
    ) -> list[int]:
        seen = self._members.get(group_id)
        if seen is None:
            return []
        _forget_before(seen, now - window)
        if not seen:
            del self._members[group_id]
        return sorted(u for u in seen if u > after)[:limit]

    async def lock(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        if self._locks.get(key, now) is not None:
            return False
        self._locks.put(key, True, now + ttl)
        return True

    async def unlock(self, key: str) -> None:
        self._locks.pop(key)
