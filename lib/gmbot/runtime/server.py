"""The gRPC side of the lifecycle every service shares (gmbot.runtime.lifecycle): a server with
health and reflection, started, and stopped gracefully."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from gmbot.runtime import lifecycle, tracing
from gmbot.runtime.health_watchers import HealthWatchers
from gmbot.runtime.interceptors import ServerInterceptor
from gmbot.runtime.metrics import start_metrics_server
from gmbot.runtime.settings import ServiceSettings

log = structlog.get_logger("gmbot.server")

Register = Callable[[grpc.aio.Server], None]

# grpc.health.v1 answers two questions. "" and each service's own name mean readiness: whether
# the service can do its work now (load balancers, readiness probes, the gateway's /readyz).
# LIVENESS means only that the process answers (its event loop runs the check): SERVING from
# start to stop, whatever its databases do, so a liveness probe restarts a process that hangs
# and never one that waits out an outage a restart would not end.
LIVENESS = "liveness"


@dataclass
class Service:
    """What a service's composition root (`build(settings)`) hands to the runtime.

    `registrations` add servicers to the server; `service_names` are their full names (for health
    and reflection); `resources` (pools, clients, workers), filled inside `lifecycle.start_up`,
    is closed after the server stopped, or as soon as starting it fails. `health` is served as
    grpc.health.v1: SERVING once started, NOT_SERVING from the stop on; in between a service may
    say NOT_SERVING while it cannot work ("" and `service_names`: readiness), never for LIVENESS.
    """

    name: str
    registrations: Sequence[Register]
    service_names: Sequence[str]
    resources: AsyncExitStack = field(default_factory=AsyncExitStack)
    on_started: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Called once the service stopped taking calls, before those in flight get their grace time:
    # for calls that would never end by themselves (streams).
    on_stopping: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    health: HealthServicer = field(default_factory=HealthServicer)


@dataclass
class RunningService:
    service: Service
    server: grpc.aio.Server
    health: HealthServicer
    port: int
    metrics_port: int | None


def _server_credentials(settings: ServiceSettings) -> grpc.ServerCredentials | None:
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    client_ca = settings.tls_client_ca_file
    return grpc.ssl_server_credentials(
        [(settings.tls_key_file.read_bytes(), settings.tls_cert_file.read_bytes())],
        root_certificates=client_ca.read_bytes() if client_ca else None,
        require_client_auth=client_ca is not None,
    )


def server_options(settings: ServiceSettings) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", settings.grpc_max_message_bytes),
        ("grpc.max_connection_age_ms", round(settings.grpc_max_connection_age_seconds * 1000)),
        (
            "grpc.max_connection_age_grace_ms",
            round(settings.grpc_max_connection_age_grace_seconds * 1000),
        ),
    ]


def _server(service: Service, settings: ServiceSettings) -> grpc.aio.Server:
    """The service's servicers with health and reflection, on a server not yet bound."""
    server = grpc.aio.server(
        # The trace's span first, so the call's log line carries its trace id.
        interceptors=[
            *tracing.server_interceptors(),
            HealthWatchers(settings.grpc_max_health_watchers),
            ServerInterceptor(settings.callers(), settings.quotas()),
        ],
        maximum_concurrent_rpcs=settings.grpc_max_concurrent_rpcs,
        options=server_options(settings),
    )
    for register in service.registrations:
        register(server)
    health_pb2_grpc.add_HealthServicer_to_server(service.health, server)
    names = [*service.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(names, server)
    return server


@asynccontextmanager
async def started(service: Service, settings: ServiceSettings) -> AsyncIterator[RunningService]:
    """Starts the service (port 0 picks a free port) and stops it gracefully on exit."""
    # What build opened is closed whatever fails from here on (a port taken included).
    async with service.resources:
        server = _server(service, settings)
        health_servicer = service.health
        address = f"{settings.grpc_host}:{settings.grpc_port}"
        credentials = _server_credentials(settings)
        port = (
            server.add_secure_port(address, credentials)
            if credentials is not None
            else server.add_insecure_port(address)
        )
        metrics = (
            start_metrics_server(settings.metrics_host, settings.metrics_port)
            if settings.metrics_enabled
            else None
        )
        metrics_port = None if metrics is None else int(metrics.server_port)
        if metrics is not None:
            service.resources.callback(metrics.server_close)
            service.resources.callback(metrics.shutdown)
        await server.start()
        for hook in service.on_started:
            await hook()
        for name in (LIVENESS, "", *service.service_names):
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", port=port, metrics_port=metrics_port, tls=credentials is not None)
        running = RunningService(service, server, health_servicer, port, metrics_port)
        try:
            yield running
        finally:
            # Tell load balancers first, then let calls in flight finish within the grace time.
            await health_servicer.enter_graceful_shutdown()
            stopping = asyncio.ensure_future(server.stop(settings.shutdown_grace_seconds))
            for hook in service.on_stopping:
                await hook()
            await stopping
            log.info("stopped")


async def serve(service: Service, settings: ServiceSettings) -> None:
    """Runs the service until SIGTERM or SIGINT."""
    await lifecycle.serve(started(service, settings), settings.shutdown_grace_seconds)


def run(
    name: str,
    settings: ServiceSettings,
    build: Callable[[], Awaitable[Service]],
) -> None:
    """The whole of a service's `main()`: logs, Sentry, then build and serve."""

    async def main() -> None:
        await serve(await build(), settings)

    lifecycle.run(name, settings, main)
