"""Commands run for the container steps, and how long each step took."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# `podman exec … gmbot`'s deadline: beside `make test`'s pool on two cores a back end answered
# past the CLI's 2 s default (CI: tenancy DEADLINE_EXCEEDED in the polling story).
CLI_DEADLINE = ("-e", "GRPC_DEADLINE_SECONDS=20")
timings: dict[str, float] = {}


def step(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] = time.monotonic() - started

        return timed

    return wrap


def run(*command: str, check: bool = True, quiet: bool = False) -> str:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:4])} … exited {result.returncode}:\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip())
    return result.stdout


def logs(name: str, tail: int) -> str:
    """A container's last lines (the services log JSON lines to stderr)."""
    result = subprocess.run(
        ["podman", "logs", "--tail", str(tail), name], capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
