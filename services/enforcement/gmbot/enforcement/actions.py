"""What enforcement does, as data: kinds, states, and the request each action carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ENFORCE = "enforce"
    RELEASE = "release"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    BAN_SENDER_CHAT = "ban_sender_chat"
    JOIN_REQUEST = "join_request"
    # Follow-ups GMBot schedules for itself.
    EXPIRE_WARNING = "expire_warning"
    RENEW_MUTE = "renew_mute"


class State(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


FINISHED = frozenset({State.DONE, State.FAILED, State.SKIPPED})


@dataclass(frozen=True)
class NewAction:
    idempotency_key: str
    kind: Kind
    group_id: int
    user_id: int
    reason: str
    request: dict[str, Any]
    # Seconds from now before it may run (0: at once).
    delay: float = 0.0


@dataclass(frozen=True)
class Action:
    action_id: str
    idempotency_key: str
    kind: Kind
    state: State
    group_id: int
    user_id: int
    reason: str
    request: dict[str, Any]
    attempts: int
    warning_message_id: int | None = None


class Permanent(Exception):
    """Telegram refused for good (no right, no such user): recorded, never retried."""


class Later(Exception):
    """Not now (5xx, network, a long 429): the action goes back to the ledger for later."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay
