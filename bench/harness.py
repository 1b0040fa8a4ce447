"""What every benchmark here shares: servers in their own processes, a closed-loop load of
concurrent callers, and figures reported side by side (this machine is shared and noisy, so only
ratios measured in one run mean anything)."""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import grpc

from gmbot.runtime.logs import configure_logging
from gmbot.runtime.server import Service, started

ECHO_METHOD = "/bench.Echo/Echo"


@dataclass(frozen=True)
class Figures:
    label: str
    concurrency: int
    calls: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    def row(self) -> str:
        return (
            f"{self.label:<22} c={self.concurrency:<4} {self.rate:>9.0f} calls/s   "
            f"p50 {self.percentile(50):6.2f} ms   p99 {self.percentile(99):6.2f} ms"
        )


async def load(
    label: str, call: Callable[[], Awaitable[Any]], concurrency: int, seconds: float
) -> Figures:
    """`concurrency` callers, each calling as soon as its previous call returned."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    for _ in range(min(50, 5 * concurrency)):  # warm-up: connections, caches, JIT-less paths
        await call()
    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return Figures(label, concurrency, len(latencies), time.perf_counter() - started, latencies)


def _run_echo(port_pipe: Connection) -> None:
    async def serve() -> None:
        async def echo(request: bytes, _context: Any) -> bytes:
            return request

        server = grpc.aio.server()
        handler = grpc.method_handlers_generic_handler(
            "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
        )
        server.add_generic_rpc_handlers((handler,))
        port_pipe.send(server.add_insecure_port("127.0.0.1:0"))
        await server.start()
        await server.wait_for_termination()

    asyncio.run(serve())


def _run_service(
    port_pipe: Connection, name: str, build: Callable[[Any], Awaitable[Service]], settings: Any
) -> None:
    configure_logging(name, "WARNING")

    async def serve() -> None:
        async with started(await build(settings), settings) as service:
            port_pipe.send(service.port)
            await asyncio.Event().wait()

    asyncio.run(serve())


def start_service(
    name: str, build: Callable[[Any], Awaitable[Service]], settings: Any
) -> tuple[BaseProcess, int]:
    """A GMBot service built by its own `build(settings)`, in its own process, on port 0."""
    return in_process(_run_service, name, build, settings)


def in_process(target: Callable[..., None], *args: Any) -> tuple[BaseProcess, int]:
    """Starts `target(pipe, *args)` in its own process; returns it and the port it sent back."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(child, *args), daemon=True)
    process.start()
    if not parent.poll(60):
        process.kill()
        raise RuntimeError(f"{target.__name__} did not start within 60 s")
    return process, int(parent.recv())


def start_echo_server() -> tuple[BaseProcess, int]:
    """A bare grpc.aio server (no interceptors, no work) answering with the request."""
    return in_process(_run_echo)
