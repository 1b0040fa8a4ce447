"""The ledger's lines as the gateway reads them (enforcement's ActionRecord, the fields read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class ActionKind(IntEnum):
    """Numbered as enforcement.proto's ActionKind."""

    UNSPECIFIED = 0
    ENFORCE = 1
    RELEASE = 2
    KICK = 3
    BAN = 4
    UNBAN = 5
    BAN_SENDER_CHAT = 6
    JOIN_REQUEST = 7
    # Follow-ups GMBot schedules itself.
    EXPIRE_WARNING = 8
    RENEW_MUTE = 9
    RELEASE_GROUP = 10
    OBSERVE_DIGEST = 11
    LOG_MESSAGE = 12


class ActionState(IntEnum):
    """Numbered as enforcement.proto's ActionState."""

    UNSPECIFIED = 0
    PENDING = 1
    DONE = 2
    FAILED = 3
    SKIPPED = 4
    OBSERVED = 5


@dataclass(frozen=True)
class ActionRecord:
    action_id: str
    kind: ActionKind
    state: ActionState
    user_id: int
    created_at: datetime
