"""The backoff of supervised loops, and how their health reaches grpc.health.v1."""

from __future__ import annotations

from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from gmbot.enforcement.domain.backoff import Backoff
from gmbot.enforcement.outbound.queue import LocalQueue
from gmbot.enforcement.outbound.streams import RedisStreamQueue
from gmbot.enforcement.workers.supervision import WorkerHealth, outage

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
NAME = "gmbot.v1.EnforcementService"


def test_the_backoff_grows_to_its_cap_with_jitter_and_starts_over() -> None:
    backoff = Backoff(base=0.1, cap=2.0)

    delays = [backoff.next_delay() for _ in range(2000)]
    backoff.reset()

    assert 0.05 <= delays[0] <= 0.1
    assert 0.1 <= delays[1] <= 0.2
    assert all(1.0 <= d <= 2.0 for d in delays[10:])  # capped, and never overflows
    assert len({round(d, 6) for d in delays[10:20]}) > 1  # replicas do not retry in lockstep
    assert backoff.next_delay() <= 0.1


def test_an_outage_is_the_database_or_the_queues_redis_out_of_reach() -> None:
    streams, in_process = RedisStreamQueue.unreachable, LocalQueue.unreachable

    assert outage(RedisConnectionError("refused"), streams)
    assert outage(ConnectionRefusedError(), in_process)  # the database's socket
    assert not outage(ResponseError("WRONGTYPE"), streams)  # Redis answered: a bug to see
    assert not outage(ValueError("bug"), in_process)


async def _status(health: HealthServicer, service: str) -> int:
    reply = await health.Check(health_pb2.HealthCheckRequest(service=service), None)
    return int(reply.status)


async def test_not_serving_while_any_loop_fails_and_serving_once_all_work() -> None:
    health = HealthServicer()
    await health.set(NAME, SERVING)
    workers = WorkerHealth(health, [NAME])
    for loop in ("worker-0", "worker-1"):
        workers.started(loop, "worker")

    await workers.failed("worker-0", "worker", ConnectionError("redis"))
    await workers.failed("sweeper", "sweeper", OSError("postgres"))
    both_failing = (await _status(health, ""), await _status(health, NAME))
    await workers.worked("worker-0", "worker")
    one_failing = await _status(health, NAME)
    await workers.worked("sweeper", "sweeper")

    assert both_failing == (NOT_SERVING, NOT_SERVING)
    assert one_failing == NOT_SERVING
    assert (await _status(health, ""), await _status(health, NAME)) == (SERVING, SERVING)


async def test_a_stop_is_not_undone_by_a_loop_that_works_again() -> None:
    health = HealthServicer()
    workers = WorkerHealth(health, [NAME])
    await workers.failed("worker-0", "worker", OSError("postgres"))

    await health.enter_graceful_shutdown()
    await workers.worked("worker-0", "worker")

    assert await _status(health, "") == NOT_SERVING


async def test_the_pruner_failing_does_not_stop_the_service_from_serving() -> None:
    health = HealthServicer()
    await health.set(NAME, SERVING)
    workers = WorkerHealth(health, [NAME])

    await workers.failed("pruner", "pruner", OSError("postgres"))

    assert await _status(health, NAME) == SERVING
