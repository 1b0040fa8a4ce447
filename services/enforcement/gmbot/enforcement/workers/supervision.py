"""Which of the worker pool's loops can work, told to gRPC health and to Prometheus.

A loop whose round failed (PostgreSQL or Redis unreachable) is failing until a round works
again; while a worker or the sweeper fails the service answers NOT_SERVING for readiness, so load
balancers and operators see that accepted actions are not being carried out. Liveness
(gmbot.runtime.server.LIVENESS) is never touched here: a restart would not bring the database
back, and the workers resume by themselves when it is. The pruner's failures are counted, but
do not stop the service from serving: actions are carried out without it.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer

from gmbot.enforcement.metrics import WORKER_FAILURES, WORKERS_HEALTHY
from gmbot.enforcement.storage.ledger import unreachable

log = structlog.get_logger("gmbot.enforcement.workers.supervision")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# The loops without which accepted actions are not carried out.
VITAL = frozenset({"worker", "sweeper"})


def outage(error: BaseException, queue: tuple[type[BaseException], ...]) -> bool:
    """PostgreSQL or the queue's Redis (`queue`: what the queue raises then) cannot be reached:
    expected while it lasts, logged without a traceback (a traceback per action in a raid would
    keep the event loop busy)."""
    return unreachable(error) or isinstance(error, queue)


class WorkerHealth:
    def __init__(self, health: HealthServicer, service_names: Sequence[str]) -> None:
        self._health = health
        self._names = ("", *service_names)
        self._failing: set[str] = set()
        self._healthy_workers: set[str] = set()

    async def _tell(self, status: int) -> None:
        for name in self._names:
            await self._health.set(name, status)

    def started(self, loop: str, kind: str) -> None:
        """A loop begins, able to work until a round says otherwise."""
        if kind == "worker" and loop not in self._healthy_workers:
            self._healthy_workers.add(loop)
            WORKERS_HEALTHY.inc()

    def stopped(self, loop: str) -> None:
        self._failing.discard(loop)
        if loop in self._healthy_workers:
            self._healthy_workers.discard(loop)
            WORKERS_HEALTHY.dec()

    async def worked(self, loop: str, kind: str) -> None:
        self.started(loop, kind)
        if loop in self._failing:
            self._failing.discard(loop)
            log.info("loop works again", loop=loop)
            if not self._failing:
                await self._tell(SERVING)
                log.warning("enforcement serving again: its workers work")

    async def failed(self, loop: str, kind: str, error: BaseException) -> None:
        WORKER_FAILURES.labels(kind).inc()
        if loop in self._healthy_workers:
            self._healthy_workers.discard(loop)
            WORKERS_HEALTHY.dec()
        if loop not in self._failing:  # the pruner never is: each of its failures is told
            log.warning("loop failed; it backs off and tries again", loop=loop, error=repr(error))
        if kind not in VITAL:
            return
        was_serving = not self._failing
        self._failing.add(loop)
        # Said on every failure, not only the first: the runtime says SERVING once started,
        # which may come after a loop's first failure.
        await self._tell(NOT_SERVING)
        if was_serving:
            log.error("enforcement not serving: its workers cannot work", loop=loop)
