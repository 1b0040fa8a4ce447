"""Where the messages waiting for a second look are kept, so that a gateway that stops or is killed
hands them on: to its own next start, or, with Redis, to another replica once it stops saying it
is alive (stores.replica_spools, kind `second-look`).

A message let through as unknown was confirmed to Telegram with its update; nothing delivers it
again. Kept only in the process, a deploy or a crash in a raid lets every such message stand.
A look taken twice is harmless (its enforcement is keyed by the update); a look lost is not.

Writes are gathered: every keep and forget asked for while one write is under way goes in the
next, so a raid's thousands of unknowns cost a few fsyncs (or Redis round trips), not thousands.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from gmbot.gateway.stores.replica_spools import Replicas, ReplicaSpool, replica_name
from gmbot.gateway.stores.spools import FileSpool, Spool
from gmbot.runtime.redis import RedisClient

log = structlog.get_logger("gmbot.gateway.stores.waiting_looks")


@dataclass(frozen=True)
class KeptLook:
    update_id: int
    attempt: int
    # On the wall clock: the monotonic clock starts again with the process.
    due: float
    # The message, as the second look's owner encodes it.
    item: dict[str, Any]


class WaitingLooks:
    def __init__(self, spool: Spool, replicas: Replicas | None = None) -> None:
        self._spool = spool
        self._replicas = replicas
        self._keeps: dict[int, str] = {}
        self._forgets: set[int] = set()
        self._write: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()

    async def keep(self, look: KeptLook) -> None:
        """Durably kept once this returns; raises when it cannot be kept now."""
        self._forgets.discard(look.update_id)
        self._keeps[look.update_id] = json.dumps(asdict(look), separators=(",", ":"))
        await self._written()

    async def forget(self, update_id: int) -> None:
        """Settled or given up. Best effort: a look not forgotten is taken again, harmlessly (a
        keep that fails in the same write is its own caller's to report)."""
        self._keeps.pop(update_id, None)
        self._forgets.add(update_id)
        with contextlib.suppress(Exception):
            await self._written()

    async def load(self) -> list[KeptLook]:
        """What this replica (or this process's file) kept before it stopped."""
        return [_look(raw) for raw in await self._spool.load()]

    async def beat(self) -> list[KeptLook]:
        """Says this replica is alive; returns what replicas that died had kept, now kept here.
        Without replicas (one process, a file) there is nothing to take."""
        if self._replicas is None:
            return []
        await self._replicas.beat()
        return [_look(raw) for raw in await self._replicas.take_over()]

    async def leave(self) -> None:
        """On a graceful stop: what is left is another replica's at its next beat."""
        if self._replicas is not None:
            await self._replicas.leave()

    async def _written(self) -> None:
        if self._write is None:
            self._write = asyncio.ensure_future(self._write_pending())
        await asyncio.shield(self._write)

    async def _write_pending(self) -> None:
        async with self._writing:
            # From here on, what is asked for goes in the next write.
            keeps, forgets = self._keeps, sorted(self._forgets)
            self._keeps, self._forgets, self._write = {}, set(), None
            if keeps:
                await self._spool.keep(keeps)
            if forgets:
                try:
                    await self._spool.forget(forgets)
                except Exception as error:  # the keeps of this write are kept all the same
                    log.warning("settled second looks not forgotten", error=str(error))


def waiting_looks(
    redis: RedisClient | None, prefix: str, bot_id: int, file: Path, port: int
) -> WaitingLooks:
    """In a file without Redis (one gateway), otherwise in a spool per replica (named by its
    host and the port it listens on, as its webhook spool)."""
    if redis is None:
        return WaitingLooks(FileSpool(file))
    spool = ReplicaSpool(redis, prefix, bot_id, replica_name(port), kind="second-look")
    return WaitingLooks(spool, spool)


def _look(raw: dict[str, Any]) -> KeptLook:
    return KeptLook(int(raw["update_id"]), int(raw["attempt"]), float(raw["due"]), raw["item"])
