"""Deletions in batches: the messages one replica is asked to delete in one chat within a moment
go in one deleteMessages call (up to 100 ids), not one call each. In a raid that is one call per
chat per moment where there were dozens.

A batch holds nothing the ledger does not: each action waits for its batch's call and only then
goes on (and is finished), so a replica killed mid-batch leaves its actions claimed under a
lease that runs out; another worker takes them up and deletes again, and Telegram skips a
message that is gone already. The call is counted once, on the action that opened the batch.

A batch goes when its window is over, or sooner once no id has joined it for a quarter of the
window: in a raid ids keep coming and a batch is about a window's worth, while the last
violators' messages (and a lone violator's in a quiet group) go a moment after the decision,
not a whole window after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from gmbot.enforcement.domain.ports import TelegramActions

# deleteMessages takes 1-100 ids of one chat.
MAX_IDS = 100
# The part of the window without a new id after which a batch goes.
QUIET_PART = 0.25


@dataclass
class _Batch:
    ids: dict[int, None] = field(default_factory=dict)  # an ordered set
    closed: bool = False  # no more ids join it
    joined: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class DeletionBatches:
    def __init__(self, telegram: TelegramActions, window: float, size: int = MAX_IDS) -> None:
        self._telegram = telegram
        self._window = window
        self._size = size
        self._open: dict[int, _Batch] = {}
        self._sending: set[asyncio.Task[None]] = set()

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Returns once the message is deleted (or was gone already); raises what the batch's
        call raised (Later, Permanent) for the caller to handle as its own."""
        batch = self._open.get(chat_id)
        if batch is None:
            batch = self._open[chat_id] = _Batch()
            task = asyncio.create_task(self._send(chat_id, batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        batch.ids[message_id] = None
        batch.joined.set()
        if len(batch.ids) >= self._size:
            self._close(chat_id, batch)
        # Shielded: one waiter given up (its worker stopping) does not cancel the others' call.
        await asyncio.shield(batch.done)

    def _close(self, chat_id: int, batch: _Batch) -> None:
        """No more ids join this batch; the next one opens a new batch."""
        if self._open.get(chat_id) is batch:
            del self._open[chat_id]
        batch.closed = True

    async def _send(self, chat_id: int, batch: _Batch) -> None:
        # Read, so an outcome whose waiters all gave up is not reported as never retrieved.
        batch.done.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            await self._gather(batch)
            self._close(chat_id, batch)
            await self._telegram.delete(chat_id, list(batch.ids))
        except asyncio.CancelledError:
            self._close(chat_id, batch)
            batch.done.cancel()
            raise
        except Exception as error:
            batch.done.set_exception(error)
        else:
            batch.done.set_result(None)

    async def _gather(self, batch: _Batch) -> None:
        """Until the batch is full, its window is over, or no id joined it for a while."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self._window
        while not batch.closed and (left := end - loop.time()) > 0:
            batch.joined.clear()
            try:
                await asyncio.wait_for(batch.joined.wait(), min(left, self._window * QUIET_PART))
            except TimeoutError:
                return

    async def close(self) -> None:
        """Stops what is still being sent: its actions are handed back by the worker pool."""
        for task in list(self._sending):
            task.cancel()
        for task in list(self._sending):
            with contextlib.suppress(asyncio.CancelledError):
                await task
