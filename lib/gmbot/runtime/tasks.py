"""Background tasks ended on purpose, by whoever started them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
# A task cancelled at its bound gets this long to unwind before it is left behind.
UNWIND_SECONDS = 1.0


class Overdue(TimeoutError):
    """Work given up at its bound (see `within`)."""


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancels `task` (None: nothing to end) and waits until it has ended; the CancelledError
    that ends it is the expected end, not an error."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def where_it_waits(task: asyncio.Task[Any]) -> list[str]:
    """The awaits a pending task is suspended in, outermost first, as "function (file:line)":
    for a log line that says what something stuck waits for (Task.get_stack shows one frame)."""
    chain: list[str] = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
        frame = frame or getattr(awaited, "gi_frame", None)
        if frame is None:  # a Future, or a coroutine already finished
            if isinstance(awaited, asyncio.Future):
                chain.append(repr(awaited)[:200])
            break
        code = frame.f_code
        chain.append(f"{code.co_qualname} ({code.co_filename}:{frame.f_lineno})")
        awaited = (
            getattr(awaited, "cr_await", None)
            or getattr(awaited, "ag_await", None)
            or getattr(awaited, "gi_yieldfrom", None)
        )
    return chain


async def within(
    work: Coroutine[Any, Any, T], seconds: float, late: Callable[[list[str]], None]
) -> T:
    """Runs `work` for at most `seconds`. Past them, `late` hears where it waits (for the log),
    the work is cancelled, and Overdue is raised. A caller cancelled meanwhile cancels it."""
    task = asyncio.create_task(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    late(where_it_waits(task))
    task.cancel()
    await asyncio.wait({task}, timeout=UNWIND_SECONDS)
    raise Overdue(f"not done within {seconds:g} s")
