"""Membership's store in Redis, shared by every replica: the only module that builds its keys."""

from __future__ import annotations

import json
from dataclasses import asdict

from gmbot.membership.domain.administrators import Admin, AdminList
from gmbot.membership.domain.answers import Answer, Source, Status
from gmbot.runtime.redis import RedisClient

DEFAULT_PREFIX = "gmbot:membership:"
# Users indexed per group (by last sight), at most: the oldest are dropped past it.
MAX_MEMBERS_PER_GROUP = 100_000
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
    def __init__(self, redis: RedisClient, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix
        self._put_if_newer = redis.register_script(_PUT_IF_NEWER)

    def _answer_key(self, channel_id: int, user_id: int) -> str:
        # The user as the hash tag: one MGET reads a user's answers for all of a group's
        # channels, from one slot of a Redis Cluster.
        return f"{self._prefix}answer:{channel_id}:{{{user_id}}}"

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
        """The chat's whole list replaces what was indexed for it: who left it is dropped.

        Not one transaction: the chat's set and each administrator's set are in different slots
        of a Redis Cluster. A reader between the writes sees the index half renewed, which a
        cache may show (the next list renews it again)."""
        before = {int(u) for u in await self._redis.smembers(self._indexed_key(chat_id))}
        expiry = int(ttl * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
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
        async with self._redis.pipeline(transaction=False) as pipe:  # as in index_admins
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
        """The user's groups and the group's users, both for the presence window."""
        key = f"{self._prefix}seen:{user_id}"
        members = self._members_key(group_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {str(group_id): now})
            pipe.expire(key, int(window) + 60)
            pipe.zadd(members, {str(user_id): now})
            pipe.expire(members, int(window) + 60)
            pipe.zremrangebyrank(members, 0, -(MAX_MEMBERS_PER_GROUP + 1))
            await pipe.execute()

    async def groups(self, user_id: int, now: float, window: float) -> list[int]:
        key = f"{self._prefix}seen:{user_id}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zrange(key, 0, -1)
            _, members = await pipe.execute()
        return sorted(int(m) for m in members)

    def _members_key(self, group_id: int) -> str:
        return f"{self._prefix}members:{group_id}"

    async def members(
        self, group_id: int, now: float, window: float, after: int, limit: int
    ) -> list[int]:
        key = self._members_key(group_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zrange(key, 0, -1)
            _, users = await pipe.execute()
        return sorted(u for u in map(int, users) if u > after)[:limit]

    async def lock(self, key: str, ttl: float) -> bool:
        return bool(
            await self._redis.set(f"{self._prefix}lock:{key}", b"1", nx=True, px=int(ttl * 1000))
        )

    async def unlock(self, key: str) -> None:
        await self._redis.delete(f"{self._prefix}lock:{key}")
