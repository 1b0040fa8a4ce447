"""What the gateway checks in each group, counted per hour and told to enforcement (where the
ledger and /stats live) once a second in one call, not one per message.

The figures are for owners: a batch that cannot be told waits for the next flush (bounded), and
counts held by a process that dies are lost, never a decision.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import TYPE_CHECKING

import structlog

from gmbot.gateway.clients.backends import BackendError, InvalidArgument, call
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub

log = structlog.get_logger("gmbot.gateway.clients.activity")

FLUSH_SECONDS = 1.0
BATCH = 1000
MAX_PENDING = 50_000
_FIELDS = ("messages_checked", "joins_checked", "bot_api_calls")


def _hour() -> int:
    return int(time.time()) // 3600


class ActivityCounter:
    def __init__(self, stub: EnforcementServiceAsyncStub) -> None:
        self._stub = stub
        self._pending: dict[tuple[int, int], Counter[str]] = {}
        self._flusher: asyncio.Task[None] | None = None

    def _count(self, group_id: int, field: str, amount: int = 1) -> None:
        key = (group_id, _hour())
        counts = self._pending.get(key)
        if counts is None:
            if len(self._pending) >= MAX_PENDING:
                return
            counts = self._pending[key] = Counter()
        counts[field] += amount

    def message_checked(self, group_id: int) -> None:
        self._count(group_id, "messages_checked")

    def join_checked(self, group_id: int) -> None:
        self._count(group_id, "joins_checked")

    def bot_api_calls(self, group_id: int, amount: int = 1) -> None:
        """Bot API calls spent for the group: the gateway's own, membership's on its behalf."""
        if amount and group_id < 0:
            self._count(group_id, "bot_api_calls", amount)

    def call_seen(self, method: str, chat_id: int | None) -> None:
        """The gateway's Bot saw a request (gmbot.runtime.budget.telegram.observe_calls)."""
        del method
        if chat_id is not None:
            self.bot_api_calls(chat_id)

    async def flush(self) -> None:
        while self._pending:
            keys = list(self._pending)[:BATCH]
            batch = {key: self._pending.pop(key) for key in keys}
            try:
                await call(
                    "enforcement",
                    self._stub.RecordActivity(
                        pb.RecordActivityRequest(
                            activities=[
                                pb.GroupActivity(
                                    group_id=group_id,
                                    hour=hour,
                                    **{name: counts[name] for name in _FIELDS},
                                )
                                for (group_id, hour), counts in batch.items()
                            ]
                        ),
                        timeout=5,
                    ),
                )
            except InvalidArgument as error:
                log.warning("activity refused", error=error.message)
                continue
            except BackendError as error:
                for key, counts in batch.items():  # told at the next flush
                    if key in self._pending or len(self._pending) < MAX_PENDING:
                        self._pending.setdefault(key, Counter()).update(counts)
                log.info("activity not recorded yet", code=error.status)
                return

    async def start(self) -> None:
        self._flusher = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._flusher)
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()
