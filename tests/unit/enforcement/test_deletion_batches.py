"""When a batch of deletions goes: at the end of its window while ids keep joining it, a quarter
of the window after the last one when they stop (the raid's last violators, a lone violator)."""

from __future__ import annotations

import asyncio
import time

from gmbot.enforcement.domain.deletions import DeletionBatches

CHAT = -100


class _Deletes:
    """Records each deleteMessages call: when it went (seconds since `started`) and its ids."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.calls: list[tuple[float, list[int]]] = []

    async def delete(self, chat_id: int, message_ids: list[int]) -> None:
        assert chat_id == CHAT
        self.calls.append((time.monotonic() - self.started, list(message_ids)))


async def test_a_lone_message_goes_a_quarter_window_after_it_joined_not_a_window() -> None:
    deletes = _Deletes()
    batches = DeletionBatches(deletes, window=2.0)  # type: ignore[arg-type]

    await batches.delete(CHAT, 7)

    [(went, ids)] = deletes.calls
    assert ids == [7]
    assert 0.45 <= went < 1.5, f"went after {went:.2f} s (quiet 0.5 s, window 2 s)"


async def test_messages_that_keep_joining_wait_for_the_window_then_one_call_takes_them() -> None:
    deletes = _Deletes()
    batches = DeletionBatches(deletes, window=2.0)  # type: ignore[arg-type]

    async def one_every_tenth_of_a_second() -> None:
        waiting = []
        for message_id in range(30):
            waiting.append(asyncio.create_task(batches.delete(CHAT, message_id)))
            await asyncio.sleep(0.1)
        await asyncio.gather(*waiting)

    await one_every_tenth_of_a_second()

    first_went, first_ids = deletes.calls[0]
    assert first_went >= 1.9, "a batch went while messages were still joining it"
    assert len(first_ids) >= 12
    assert len(deletes.calls) <= 3
    assert [m for _, ids in deletes.calls for m in ids] == list(range(30))
