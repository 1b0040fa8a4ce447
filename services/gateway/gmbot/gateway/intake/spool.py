"""Where long polling keeps the updates it took but has not handled yet, so it can confirm them
to Telegram before they are handled without losing one.

getUpdates answers at most 100 updates from the offset on. Confirming only what is handled meant
that a raid's backlog hid every later update, a quiet group's included, until the raid's were
handled. Once the window fills, the poller writes what it holds here (fsynced to a file, or in
Redis), then advances the offset: the next updates come, and each group gets its turn. What is
kept is handed back at the next start (a gateway killed with SIGKILL loses none of it) and
forgotten once handled; de-duplication makes the one handled but not yet forgotten a no-op.

A webhook gateway keeps here, the same way, the group messages it answers before handling them
(intake.accepting); with Redis, in a spool per replica (intake.replica_spool).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import structlog
from aiogram import Bot
from aiogram.types import Update

from gmbot.runtime.redis import RedisClient

log = structlog.get_logger("gmbot.gateway.intake.spool")

# The file is written again with only what it still keeps once it is this large.
COMPACT_BYTES = 16 * 1024 * 1024


class Spool(Protocol):
    async def load(self) -> list[dict[str, Any]]:
        """What is kept, oldest first."""
        ...

    async def keep(self, updates: dict[int, str]) -> None:
        """Update id -> the update in JSON (as_json), durably; raises when they cannot be kept
        now (then they must not be confirmed)."""
        ...

    async def forget(self, update_ids: list[int]) -> None:
        """Best effort: what is not forgotten is handed back, and found done, at the next start."""
        ...


def poll_spool(redis: RedisClient | None, prefix: str, bot_id: int, file: Path) -> Spool:
    """Long polling's: one poller per bot, so one spool per bot."""
    return FileSpool(file) if redis is None else RedisSpool(redis, f"{prefix}poll-spool:{bot_id}")


def as_update(raw: dict[str, Any], bot: Bot) -> Update:
    return Update.model_validate(raw, context={"bot": bot})


def as_json(update: Update) -> str:
    """In one step, in pydantic's core: a dict first and json.dumps after cost 75 µs an update
    against 46, on the event loop and in the spool's thread, and a burst spools every update."""
    return update.model_dump_json(exclude_none=True, by_alias=True)


class RedisSpool:
    """One hash: update id -> the update. Redis has it once the command returns (run Redis with
    AOF for it to outlive a Redis restart, as the dead letters need)."""

    def __init__(self, redis: RedisClient, key: str) -> None:
        self._redis = redis
        self._key = key

    async def load(self) -> list[dict[str, Any]]:
        stored = await self._redis.hgetall(self._key)
        return sorted((json.loads(raw) for raw in stored.values()), key=_update_id)

    async def keep(self, updates: dict[int, str]) -> None:
        await self._redis.hset(
            self._key, mapping={str(update_id): text for update_id, text in updates.items()}
        )

    async def forget(self, update_ids: list[int]) -> None:
        await self._redis.hdel(self._key, *(str(update_id) for update_id in update_ids))


class FileSpool:
    """A log of lines: {"keep": update} (fsynced before the offset moves) and {"forget": ids}."""

    def __init__(self, file: Path) -> None:
        self._file = file
        self._kept: dict[int, str] = {}  # update id -> the update in JSON

    async def load(self) -> list[dict[str, Any]]:
        self._kept = await asyncio.to_thread(self._read)
        if self._file.exists():  # without a line a kill may have cut short
            await asyncio.to_thread(self._rewrite)
        return [json.loads(self._kept[update_id]) for update_id in sorted(self._kept)]

    async def keep(self, updates: dict[int, str]) -> None:
        await asyncio.to_thread(self._append, [_keep_line(text) for text in updates.values()], True)
        self._kept.update(updates)

    async def forget(self, update_ids: list[int]) -> None:
        for update_id in update_ids:
            self._kept.pop(update_id, None)
        if not self._kept or self._file.stat().st_size > COMPACT_BYTES:
            await asyncio.to_thread(self._rewrite)
        else:
            await asyncio.to_thread(self._append, [json.dumps({"forget": update_ids})], False)

    def _read(self) -> dict[int, str]:
        kept: dict[int, str] = {}
        if not self._file.exists():
            return kept
        for line in self._file.read_text("utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the line a kill cut short was never fsynced: its updates unconfirmed
            if "keep" in entry:
                kept[_update_id(entry["keep"])] = json.dumps(entry["keep"])
            for update_id in entry.get("forget", ()):
                kept.pop(update_id, None)
        return kept

    def _append(self, lines: Iterable[str], sync: bool) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True)
        with self._file.open("a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)
            if sync:
                out.flush()
                os.fsync(out.fileno())

    def _rewrite(self) -> None:
        """Only what is kept, into a new file renamed over the old one (a kill meanwhile leaves
        one or the other, whole)."""
        self._file.parent.mkdir(parents=True, exist_ok=True)
        fresh = self._file.with_suffix(self._file.suffix + ".new")
        with fresh.open("w", encoding="utf-8") as out:
            out.writelines(_keep_line(text) + "\n" for text in self._kept.values())
            out.flush()
            os.fsync(out.fileno())
        fresh.replace(self._file)


def _update_id(raw: dict[str, Any]) -> int:
    return int(raw["update_id"])


def _keep_line(text: str) -> str:
    """{"keep": update}, the update's JSON as it is (it holds no line break)."""
    return f'{{"keep": {text}}}'
