"""Where members were seen, told to membership in batches: one call a second at most, not one
per message. A presence is what lets a later channel leave be enforced in that group; one
delayed by a second, or lost with this process, costs nothing a later message does not repair."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import structlog

from gmbot.gateway.clients.backends import BackendError, InvalidArgument, call
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.v1 import membership_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub

log = structlog.get_logger("gmbot.gateway.clients.presence")

FLUSH_SECONDS = 1.0
# A pair told this recently is not told again (membership keeps presence for weeks).
REFRESH_SECONDS = 600.0
BATCH = 1000
MAX_PENDING = 100_000


class PresenceBatcher:
    def __init__(self, stub: MembershipServiceAsyncStub) -> None:
        self._stub = stub
        self._pending: set[tuple[int, int]] = set()
        self._told: ExpiringLru[tuple[int, int], bool] = ExpiringLru(200_000)
        self._flusher: asyncio.Task[None] | None = None

    def seen(self, group_id: int, user_id: int) -> None:
        key = (group_id, user_id)
        if self._told.get(key, time.monotonic()) or len(self._pending) >= MAX_PENDING:
            return
        self._pending.add(key)

    async def flush(self) -> None:
        while self._pending:
            batch = [self._pending.pop() for _ in range(min(BATCH, len(self._pending)))]
            # Told from now: a member's next messages while the call is in flight would put
            # them in the next batch again.
            expires = time.monotonic() + REFRESH_SECONDS
            for key in batch:
                self._told.put(key, True, expires)
            try:
                await call(
                    "membership",
                    self._stub.RecordPresenceBatch(
                        pb.RecordPresenceBatchRequest(
                            presences=[
                                pb.RecordPresenceRequest(group_id=g, user_id=u) for g, u in batch
                            ]
                        )
                    ),
                )
            except InvalidArgument as error:
                log.warning("presences refused", error=error.message)
                continue
            except BackendError as error:
                for key in batch:
                    self._told.pop(key)
                self._pending.update(batch)  # tried again at the next flush
                log.info("presences not recorded yet", code=error.status)
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
