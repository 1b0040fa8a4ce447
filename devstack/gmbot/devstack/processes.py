"""Child processes that start, report healthy, and stop together."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import aiohttp
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

# Every child still running, by process group (each starts its own session): whatever ends this
# process short of SIGKILL (an exception, a test timeout, SIGTERM turned into SystemExit) takes
# them along, so no service outlives the run that started it.
_live_groups: set[int] = set()
# SIGKILL leaves no atexit to run: pytest-xdist's processes, interrupted, left whole stacks
# running for hours. So on Linux each child asks the kernel for SIGKILL when the thread that
# started it is gone (prctl PR_SET_PDEATHSIG, which outlives the exec), then becomes the service;
# a parent already gone before that leaves it nothing to run for.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "parent = int(sys.argv[1])\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != parent: sys.exit(1)\n"
    "os.execv(sys.executable, [sys.executable, '-m', *sys.argv[2:]])\n"
)


_LOG_LINES_SHOWN = 30


@atexit.register
def _kill_live_groups() -> None:
    for group in list(_live_groups):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    _live_groups.clear()


@dataclass
class Child:
    name: str
    module: str
    env: dict[str, str]
    args: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    log: Path | None = None

    async def start(self, log_dir: Path | None) -> None:
        output = None if log_dir is None else _log_file(log_dir, self.name)
        self.log = None if log_dir is None else log_dir / f"{self.name}.log"
        self.process = await asyncio.create_subprocess_exec(
            *_launcher(),
            self.module,
            *self.args,
            env={**os.environ, **self.env},
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        _live_groups.add(self.process.pid)
        if output is not None:
            output.close()

    def exited_during_start_up(self) -> RuntimeError:
        """The error for a child that died before it served, with its log's last lines: in a CI
        run the log is gone with the run's temporary folder, and the reason with it."""
        code = None if self.process is None else self.process.returncode
        message = f"{self.name} exited during start-up (exit code {code})"
        if self.log is None or not self.log.exists():
            return RuntimeError(f"{message}; its output went to this terminal")
        lines = self.log.read_text(errors="replace").splitlines()[-_LOG_LINES_SHOWN:]
        return RuntimeError(f"{message}; the end of {self.log}:\n" + "\n".join(lines))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def wait(self) -> int:
        """Waits for the process to exit on its own: its exit code."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not started")
        code = await self.process.wait()
        _live_groups.discard(self.process.pid)
        return code

    def kill(self) -> None:
        """SIGKILL: what a crash looks like."""
        if self.running and self.process is not None:
            self.process.kill()
            _live_groups.discard(self.process.pid)

    async def stop(self, grace: float = 10.0) -> int | None:
        if self.process is None:
            return None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        _live_groups.discard(self.process.pid)
        return self.process.returncode


def _launcher() -> list[str]:
    """How a child is run: `python -m`, through `_DIE_WITH_PARENT` where Linux offers it."""
    if sys.platform == "linux":
        return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid())]
    return [sys.executable, "-m"]


def _log_file(log_dir: Path, name: str) -> BinaryIO:
    log_dir.mkdir(parents=True, exist_ok=True)
    return (log_dir / f"{name}.log").open("ab")


async def wait_serving(name: str, address: str, child: Child, within: float = 60.0) -> None:
    """Waits for grpc.health.v1 SERVING; fails early when the process died."""
    deadline = asyncio.get_running_loop().time() + within
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            if not child.running:
                raise child.exited_during_start_up()
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{name} did not become healthy within {within:.0f}s")
            await asyncio.sleep(0.2)


async def wait_http(name: str, url: str, child: Child, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    async with aiohttp.ClientSession() as session:
        while True:
            if not child.running:
                raise child.exited_during_start_up()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=1)) as response:
                    if response.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{name} did not answer {url} within {within:.0f}s")
            await asyncio.sleep(0.2)
