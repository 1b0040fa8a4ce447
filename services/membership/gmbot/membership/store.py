"""Where membership keeps what it learned: Redis, shared by replicas, or this process.

The only module that builds Redis keys. Nothing here is the only copy of anything: losing it
costs Bot API calls, never correctness.
"""

from __future__ import annotations

import json
import random
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Protocol

from redis.asyncio import Redis

from gmbot.membership.answers import Answer, Source, Status
from gmbot.runtime.expiring import ExpiringLru

DEFAULT_PREFIX = "gmbot:membership:"
_MAX_LOCAL_ENTRIES = 500_000
# Presence kept in this process: the users seen most recently, and per user the groups seen
# most recently. Forgetting the oldest costs a mute after a channel leave, never a wrong one.
_MAX_SEEN_USERS = 200_000
_MAX_GROUPS_PER_USER = 500
# Administrator lists indexed by user, kept in this process for this many groups at most.
_MAX_INDEXED_GROUPS = 100_000
# Writes an event only when it is not older than what is cached (events can arrive late).
# Events carry whole seconds: a Bot API answer from within the same second does not win.
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local seen = tonumber(string.match(current, '^[^|]*|[^|]*|([^|]*)'))
  if seen and math.floor(seen) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""


def jittered(seconds: float) -> float:
    """±15 %, so answers cached together do not all expire together."""
    return seconds * random.uniform(0.85, 1.15)  # noqa: S311 - spreading expiry, not a secret


@dataclass(frozen=True)
class Admin:
    user_id: int
    is_bot: bool
    is_owner: bool
    can_restrict_members: bool
    can_delete_messages: bool
    can_invite_users: bool
    is_anonymous: bool


@dataclass(frozen=True)
class AdminList:
    admins: tuple[Admin, ...]
    fetched_at: float


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
    async def lock(self, key: str, ttl: float) -> bool: ...
    async def unlock(self, key: str) -> None: ...


def _encode(answer: Answer) -> bytes:
    fields = (answer.status.value, answer.source.value, answer.observed_at, answer.telegram_status)
    return "|".join(map(str, fields)).encode()


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _decode(raw: bytes | str) -> Answer:
    status, source, observed_at, telegram_status = _text(raw).split("|", 3)
    return Answer(Status(int(status)), Source(int(source)), float(observed_at), telegram_status)


def _encode_admins(admins: AdminList) -> bytes:
    return json.dumps(
        {"fetched_at": admins.fetched_at, "admins": [asdict(a) for a in admins.admins]}
    ).encode()


def _decode_admins(raw: bytes | str) -> AdminList:
    body = json.loads(_text(raw))
    return AdminList(tuple(Admin(**a) for a in body["admins"]), float(body["fetched_at"]))


class RedisStore:
    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix
        self._put_if_newer = redis.register_script(_PUT_IF_NEWER)

    def _answer_key(self, channel_id: int, user_id: int) -> str:
        return f"{self._prefix}answer:{channel_id}:{user_id}"

    async def answers(self, user_id: int, channel_ids: list[int]) -> dict[int, Answer]:
        raws = await self._redis.mget([self._answer_key(c, user_id) for c in channel_ids])
        return {
            c: _decode(raw) for c, raw in zip(channel_ids, raws, strict=True) if raw is not None
        }

    async def put(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> None:
        await self._redis.set(
            self._answer_key(channel_id, user_id), _encode(answer), px=int(ttl * 1000)
        )

    async def put_if_newer(self, channel_id: int, user_id: int, answer: Answer, ttl: float) -> bool:
        written = await self._put_if_newer(
            keys=[self._answer_key(channel_id, user_id)],
            args=[_encode(answer), answer.observed_at, int(ttl * 1000)],
        )
        return bool(written)

    async def admins(self, chat_id: int) -> AdminList | None:
        raw = await self._redis.get(f"{self._prefix}admins:{chat_id}")
        return None if raw is None else _decode_admins(raw)

    async def put_admins(self, chat_id: int, admins: AdminList, ttl: float) -> None:
        await self._redis.set(
            f"{self._prefix}admins:{chat_id}", _encode_admins(admins), px=int(ttl * 1000)
        )

    async def drop_admins(self, chat_id: int) -> None:
        await self._redis.delete(f"{self._prefix}admins:{chat_id}")

    def _administers_key(self, user_id: int) -> str:
        return f"{self._prefix}administers:{user_id}"

    def _indexed_key(self, chat_id: int) -> str:
        return f"{self._prefix}indexed-admins:{chat_id}"

    async def index_admins(self, chat_id: int, user_ids: frozenset[int], ttl: float) -> None:
        """The chat's whole list replaces what was indexed for it: who left it is dropped."""
        before = {int(u) for u in await self._redis.smembers(self._indexed_key(chat_id))}
        expiry = int(ttl * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            for user_id in before - user_ids:
                pipe.srem(self._administers_key(user_id), str(chat_id))
            for user_id in user_ids:
                pipe.sadd(self._administers_key(user_id), str(chat_id))
                pipe.pexpire(self._administers_key(user_id), expiry)
            pipe.delete(self._indexed_key(chat_id))
            if user_ids:
                pipe.sadd(self._indexed_key(chat_id), *map(str, user_ids))
                pipe.pexpire(self._indexed_key(chat_id), expiry)
            await pipe.execute()

    async def index_admin(self, chat_id: int, user_id: int, admin: bool, ttl: float) -> None:
        expiry = int(ttl * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            if admin:
                pipe.sadd(self._administers_key(user_id), str(chat_id))
                pipe.pexpire(self._administers_key(user_id), expiry)
                pipe.sadd(self._indexed_key(chat_id), str(user_id))
                pipe.pexpire(self._indexed_key(chat_id), expiry)
            else:
                pipe.srem(self._administers_key(user_id), str(chat_id))
                pipe.srem(self._indexed_key(chat_id), str(user_id))
            await pipe.execute()

    async def administered(self, user_id: int) -> list[int]:
        return sorted(int(c) for c in await self._redis.smembers(self._administers_key(user_id)))

    async def touch(self, user_id: int, group_id: int, now: float, window: float) -> None:
        key = f"{self._prefix}seen:{user_id}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {str(group_id): now})
            pipe.expire(key, int(window) + 60)
            await pipe.execute()

    async def groups(self, user_id: int, now: float, window: float) -> list[int]:
        key = f"{self._prefix}seen:{user_id}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zrange(key, 0, -1)
            _, members = await pipe.execute()
        return sorted(int(m) for m in members)

    async def lock(self, key: str, ttl: float) -> bool:
        return bool(
            await self._redis.set(f"{self._prefix}lock:{key}", b"1", nx=True, px=int(ttl * 1000))
        )

    async def unlock(self, key: str) -> None:
        await self._redis.delete(f"{self._prefix}lock:{key}")


def _forget_before(seen: dict[int, float], oldest: float) -> None:
    for group_id in [g for g, when in seen.items() if when < oldest]:
        del seen[group_id]


class LocalStore:
    def __init__(
        self, seen_users: int = _MAX_SEEN_USERS, groups_per_user: int = _MAX_GROUPS_PER_USER
    ) -> None:
        self._answers: ExpiringLru[tuple[int, int], Answer] = ExpiringLru(_MAX_LOCAL_ENTRIES)
        self._admins: ExpiringLru[int, AdminList] = ExpiringLru(10_000)
        # user id -> {group id: when last seen}, both in order of last sight (oldest first).
        self._seen: OrderedDict[int, dict[int, float]] = OrderedDict()
        self._seen_users = seen_users
        self._groups_per_user = groups_per_user
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
        seen = self._seen.pop(user_id, {})
        seen.pop(group_id, None)
        seen[group_id] = now
        _forget_before(seen, now - window)
        while len(seen) > self._groups_per_user:
            del seen[next(iter(seen))]
        self._seen[user_id] = seen
        while len(self._seen) > self._seen_users:
            self._seen.popitem(last=False)

    async def groups(self, user_id: int, now: float, window: float) -> list[int]:
        seen = self._seen.get(user_id)
        if seen is None:
            return []
        _forget_before(seen, now - window)
        if not seen:
            del self._seen[user_id]
        return sorted(seen)

    async def lock(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        if self._locks.get(key, now) is not None:
            return False
        self._locks.put(key, True, now + ttl)
        return True

    async def unlock(self, key: str) -> None:
        self._locks.pop(key)
