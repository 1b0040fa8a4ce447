"""Capped exponential backoff with jitter, for whatever waits for PostgreSQL or Redis to come
back: replicas that lost their database together do not come back in lockstep."""

from __future__ import annotations

import random

BASE_SECONDS = 0.1
CAP_SECONDS = 5.0


class Backoff:
    def __init__(self, base: float = BASE_SECONDS, cap: float = CAP_SECONDS) -> None:
        self._base = base
        self._cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        """The wait after one more failure: base·2ⁿ up to the cap, then a random half to all
        of it."""
        delay = min(self._cap, self._base * 2 ** min(self.failures, 32))
        self.failures += 1
        return random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not a secret

    def reset(self) -> None:
        self.failures = 0
