"""Background tasks ended on purpose, by whoever started them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


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
    """Runs `work` for at most `seconds`, in the calling task. Past them, `late` hears where it
    waits (for the log), the work is cancelled, and Overdue is raised once it has unwound. A
    caller cancelled meanwhile cancels it.

    In the task, not in a task of its own: a task and an asyncio.wait per bound cost a tenth of
    the gateway's CPU, handling every update within two of them (bench.gateway_polling). The
    cancellation is counted as asyncio.timeout counts its own, so bounds nest and a caller's
    own cancellation is never mistaken for the bound's."""
    task = asyncio.current_task()
    assert task is not None  # noqa: S101 - only ever awaited in a task
    cancelling = task.cancelling()
    overdue = False

    def past_the_bound() -> None:
        nonlocal overdue
        overdue = True
        late(where_it_waits(task))
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, past_the_bound)
    try:
        result = await work
    except asyncio.CancelledError:
        if overdue and task.uncancel() <= cancelling:
            raise Overdue(f"not done within {seconds:g} s") from None
        raise
    finally:
        timer.cancel()
    if overdue:  # the work finished anyway, swallowing the cancellation
        task.uncancel()
    return result
