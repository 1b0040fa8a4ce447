"""Records kept durably, each keyed by the update it came with, until they are forgotten: in a
file (fsynced, one process) or in a Redis hash (shared by the replicas).

Intake keeps here the updates it takes ahead of handling them (intake.spool); the second look
keeps the messages it waits to judge again (flows.second_look). A record is a JSON object with the
update's `update_id`; load hands them back oldest update first.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from gmbot.runtime.redis import RedisClient

# The file is written again with only what it still keeps once it is this large.
COMPACT_BYTES = 16 * 1024 * 1024


class Spool(Protocol):
    async def load(self) -> list[dict[str, Any]]:
        """What is kept, oldest update first."""
        ...

    async def keep(self, records: dict[int, str]) -> None:
        """Update id -> its record in JSON, durably; raises when they cannot be kept now."""
        ...

    async def forget(self, update_ids: list[int]) -> None:
        """Best effort: what is not forgotten is handed back at the next start."""
        ...


class RedisSpool:
    """One hash: update id -> the record. Redis has it once the command returns (run Redis with
    AOF for it to outlive a Redis restart, as the dead letters need)."""

    def __init__(self, redis: RedisClient, key: str) -> None:
        self._redis = redis
        self._key = key

    async def load(self) -> list[dict[str, Any]]:
        stored = await self._redis.hgetall(self._key)
        return sorted((json.loads(raw) for raw in stored.values()), key=_update_id)

    async def keep(self, records: dict[int, str]) -> None:
        await self._redis.hset(
            self._key, mapping={str(update_id): text for update_id, text in records.items()}
        )

    async def forget(self, update_ids: list[int]) -> None:
        await self._redis.hdel(self._key, *(str(update_id) for update_id in update_ids))


class FileSpool:
    """A log of lines: {"keep": record} (fsynced before `keep` returns) and {"forget": ids}."""

    def __init__(self, file: Path) -> None:
        self._file = file
        self._kept: dict[int, str] = {}  # update id -> the record in JSON

    async def load(self) -> list[dict[str, Any]]:
        self._kept = await asyncio.to_thread(self._read)
        if self._file.exists():  # without a line a kill may have cut short
            await asyncio.to_thread(self._rewrite)
        return [json.loads(self._kept[update_id]) for update_id in sorted(self._kept)]

    async def keep(self, records: dict[int, str]) -> None:
        await asyncio.to_thread(self._append, [_keep_line(text) for text in records.values()], True)
        self._kept.update(records)

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
                continue  # the line a kill cut short was never fsynced: its `keep` never returned
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
    """{"keep": record}, the record's JSON as it is (it holds no line break)."""
    return f'{{"keep": {text}}}'
