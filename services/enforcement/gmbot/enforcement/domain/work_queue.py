"""The work queue as the domain sees it: which accepted actions to look at, urgent ones
(deletions, mutes, releases) before housekeeping. The ledger holds the truth; the queue only
hands out action ids (outbound/streams.py: Redis Streams; outbound/queue.py: in process)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol


class Lane(IntEnum):
    URGENT = 0
    HOUSEKEEPING = 1


@dataclass(frozen=True)
class Delivery:
    action_id: str
    lane: Lane
    entry_id: str = ""
    # The trace context of the call that accepted the action (empty when tracing is off): the
    # worker's span continues it, so an update's trace reaches the Bot API call it caused.
    trace: Mapping[str, str] = field(default_factory=dict)


class Queue(Protocol):
    # What its calls raise while the store behind it is out of reach: a worker waits that out
    # as it does the ledger's, without a traceback per action.
    unreachable: tuple[type[BaseException], ...]

    async def put(self, action_id: str, lane: Lane) -> None: ...
    async def take(self, wait_seconds: float, count: int = 1) -> list[Delivery]:
        """Up to `count` deliveries, urgent first; waits up to `wait_seconds` for the first."""
        ...

    async def ack(self, delivery: Delivery) -> None: ...
    async def heartbeat(self, seconds: float) -> None: ...
