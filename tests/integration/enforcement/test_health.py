"""Enforcement's two health answers through a PostgreSQL outage: unready while its workers
cannot work, alive all along (a restart would not bring the database back)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.engine import make_url

from gmbot.runtime.server import LIVENESS
from tests.integration.enforcement.test_outages import proxy_to
from tests.support.databases import fresh_postgres
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.waiting import eventually

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def test_failing_workers_make_enforcement_unready_but_alive(
    world: Group, postgres_server_url: str, redis_url: str
) -> None:
    async with (
        fresh_postgres(postgres_server_url) as database_url,
        proxy_to(database_url, 5432) as database,
    ):
        proxied = make_url(database_url).set(port=database.port)
        settings = enforcement_settings(
            world.sandbox.url,
            world.token,
            proxied.render_as_string(hide_password=False),
            redis_url,
            workers=2,
            lease_seconds=15,
        )
        async with (
            running_enforcement(settings) as service,
            grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as bare,
        ):
            health = health_pb2_grpc.HealthStub(bare)

            async def status(name: str) -> int:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
                return int(reply.status)

            async def ready_is(wanted: int) -> bool:
                return await status("") == wanted

            await eventually(lambda: ready_is(SERVING))
            await database.cut()
            await eventually(lambda: ready_is(NOT_SERVING), seconds=10)
            alive_while_unready = await status(LIVENESS)
            service_unready = await status("gmbot.v1.EnforcementService")
            await database.start()
            await eventually(lambda: ready_is(SERVING), seconds=20)
            alive_after = await status(LIVENESS)

    assert service_unready == NOT_SERVING
    assert alive_while_unready == SERVING
    assert alive_after == SERVING
