"""What every GMBot process does from `main()` to exit, whatever it serves (gRPC calls,
Telegram's updates): logs and Sentry first, then build (closing what it opened if it fails),
serve until SIGTERM or SIGINT, and stop gracefully within the grace time."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import structlog

from gmbot.runtime.logs import configure_logging
from gmbot.runtime.observability import init_sentry, secrets_of
from gmbot.runtime.settings import ProcessSettings
from gmbot.runtime.tracing import init_tracing, shutdown_tracing

log = structlog.get_logger("gmbot.lifecycle")

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@asynccontextmanager
async def start_up(resources: AsyncExitStack) -> AsyncIterator[AsyncExitStack]:
    """A composition root's `build` inside: it pushes the closing of what it opens onto
    `resources` as it goes. If the start-up fails on the way (an error, a cancellation), what it
    opened so far is closed at once, in reverse, and the failure goes on; if it succeeds,
    `resources` stays open, for the process to close when it stops."""
    try:
        yield resources
    except BaseException:
        await resources.aclose()
        raise


async def serve(
    running: AbstractAsyncContextManager[object],
    grace_seconds: float,
    stop: asyncio.Event | None = None,
) -> None:
    """Enters `running` (which starts serving) and stays until SIGTERM or SIGINT, or until the
    process sets `stop` itself (a part of it that cannot go on); leaving `running` stops it."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in _SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running:
            await stop.wait()
            log.info("stopping", grace_seconds=grace_seconds)
    finally:
        # Signals get their default meaning back: the loop may run on after this (in tests).
        for signum in _SIGNALS:
            loop.remove_signal_handler(signum)


def run(
    name: str, settings: ProcessSettings, main: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """The whole of a process's `main()`: logs and Sentry set up, then `main` run to its end."""
    secrets = secrets_of(settings)
    configure_logging(name, settings.log_level, settings.log_format, secrets=secrets)
    init_sentry(
        settings.sentry_dsn, service=name, environment=settings.environment, secrets=secrets
    )
    try:
        provider = init_tracing(name)
    except ValueError as error:
        sys.stderr.write(f"invalid configuration:\n  {error}\n")
        raise SystemExit(2) from None
    try:
        asyncio.run(main())
    finally:
        shutdown_tracing(provider)
