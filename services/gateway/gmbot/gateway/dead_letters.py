"""Updates the gateway could not handle, kept for people instead of confirmed and forgotten.

An update whose back end keeps failing is delivered again a bounded number of times; after that,
and at once for an error that retrying cannot fix (a bug, a back end's INTERNAL), it is written
here with the reason and confirmed, so it cannot hold up the updates behind it. Operators list
and replay them (`gmbot dead-letters`, through the gateway's admin endpoints). Kept in Redis
when the gateway has it (shared by every replica), otherwise in a file.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog
from redis.asyncio import Redis

from gmbot.gateway.metrics import DEAD_LETTERS
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS

log = structlog.get_logger("gmbot.gateway.dead_letters")

# Telegram keeps an undelivered update 24 hours: counting its attempts longer is pointless.
ATTEMPTS_SECONDS = 25 * 3600
MAX_KEPT = 10_000


@dataclass(frozen=True)
class DeadLetter:
    id: str
    update_id: int
    type: str
    reason: str
    attempts: int
    at: float
    update: dict[str, Any]


class DeadLetters:
    def __init__(self, redis: Redis | None, prefix: str, file: Path) -> None:
        self._redis = redis
        self._key = f"{prefix}dead-letters"
        self._attempts_prefix = f"{prefix}attempts:"
        self._file = file
        self._local_attempts: ExpiringLru[int, int] = ExpiringLru(100_000)

    async def failed_again(self, update_id: int) -> int:
        """Counts one more failed delivery of the update (across replicas); returns the count."""
        if self._redis is not None:
            key = f"{self._attempts_prefix}{update_id}"
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.incr(key)
                    pipe.expire(key, ATTEMPTS_SECONDS)
                    count, _ = await pipe.execute()
                return int(count)
            except REDIS_ERRORS:
                log.warning("attempts counted in this process only", update_id=update_id)
        now = time.monotonic()
        count = (self._local_attempts.get(update_id, now) or 0) + 1
        self._local_attempts.put(update_id, count, now + ATTEMPTS_SECONDS)
        return count

    async def record(
        self, update: dict[str, Any], update_type: str, reason: str, attempts: int
    ) -> DeadLetter:
        letter = DeadLetter(
            id=uuid.uuid4().hex,
            update_id=int(update.get("update_id", 0)),
            type=update_type,
            reason=reason[:500],
            attempts=attempts,
            at=time.time(),
            update=update,
        )
        DEAD_LETTERS.labels(update_type).inc()
        log.error(
            "update set aside as a dead letter",
            update_id=letter.update_id,
            type=update_type,
            reason=letter.reason,
            attempts=attempts,
        )
        raw = json.dumps(asdict(letter))
        if self._redis is not None:
            try:
                await self._redis.hset(self._key, letter.id, raw)
                return letter
            except REDIS_ERRORS:
                log.warning("dead letter kept in the file instead of Redis", id=letter.id)
        self._file.parent.mkdir(parents=True, exist_ok=True)
        with self._file.open("a", encoding="utf-8") as out:
            out.write(raw + "\n")
        return letter

    async def all(self) -> list[DeadLetter]:
        letters = [DeadLetter(**json.loads(raw)) for raw in await self._raw()]
        return sorted(letters, key=lambda letter: letter.at)[-MAX_KEPT:]

    async def _raw(self) -> list[str]:
        found: list[str] = []
        if self._redis is not None:
            try:
                stored = await self._redis.hgetall(self._key)
                found += [
                    raw.decode() if isinstance(raw, bytes) else raw for raw in stored.values()
                ]
            except REDIS_ERRORS:
                log.warning("dead letters in Redis unreadable now")
        if self._file.exists():
            found += [line for line in self._file.read_text("utf-8").splitlines() if line]
        return found

    async def remove(self, letter_id: str) -> None:
        if self._redis is not None:
            try:
                await self._redis.hdel(self._key, letter_id)
            except REDIS_ERRORS:
                log.warning("dead letter not removed from Redis", id=letter_id)
        if self._file.exists():
            kept = [
                line
                for line in self._file.read_text("utf-8").splitlines()
                if line and json.loads(line)["id"] != letter_id
            ]
            self._file.write_text("".join(f"{line}\n" for line in kept), "utf-8")
