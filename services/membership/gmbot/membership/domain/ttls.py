"""How long what membership learned is trusted."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Ttls:
    member: float
    not_member: float
    admins: float
    presence: float


def jittered(seconds: float) -> float:
    """±15 %, so answers cached together do not all expire together."""
    return seconds * random.uniform(0.85, 1.15)  # noqa: S311 - spreading expiry, not a secret
