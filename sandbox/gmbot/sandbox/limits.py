"""Telegram's limits (on by default) and injected faults, both configurable at run time."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field

from gmbot.sandbox.errors import ApiError, too_many_requests

# Long polling and webhook bookkeeping are not part of the request budget.
_UNMETERED = frozenset({"getUpdates", "getWebhookInfo", "setWebhook", "deleteWebhook", "getMe"})
_MESSAGES = frozenset({"sendMessage"})


@dataclass
class LimitConfig:
    enabled: bool = True
    requests_per_second: int = 30
    group_messages_per_minute: int = 20


@dataclass
class FaultConfig:
    # Share of calls answered 500 (0..1).
    error_rate: float = 0.0
    # Until this Unix time, calls (of `storm_methods`, or all) answer 429 with `storm_retry_after`.
    storm_until: float = 0.0
    storm_retry_after: int = 5
    storm_methods: set[str] = field(default_factory=set)
    # Seconds added to every call.
    latency: float = 0.0
    seed: int = 7


class Limits:
    def __init__(
        self, limits: LimitConfig | None = None, faults: FaultConfig | None = None
    ) -> None:
        self.config = limits or LimitConfig()
        self.faults = faults or FaultConfig()
        self._random = random.Random(self.faults.seed)  # noqa: S311 - reproducible faults, not secrets
        self._calls: dict[int, deque[float]] = {}
        self._group_messages: dict[tuple[int, int], deque[float]] = {}
        self.rejected = 0

    def set_faults(self, faults: FaultConfig) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)  # noqa: S311 - reproducible faults, not secrets

    async def admit(self, bot_id: int, method: str, chat_id: int | None) -> None:
        """Raises Telegram's error when the call is over a limit or a fault hits it."""
        faults = self.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        now = time.time()
        if now < faults.storm_until and (
            not faults.storm_methods or method in faults.storm_methods
        ):
            self.rejected += 1
            raise too_many_requests(faults.storm_retry_after)
        if faults.error_rate and self._random.random() < faults.error_rate:
            raise ApiError(500, "Internal Server Error")
        if not self.config.enabled or method in _UNMETERED:
            return
        self._check(
            self._calls.setdefault(bot_id, deque()), now, 1.0, self.config.requests_per_second
        )
        if method in _MESSAGES and chat_id is not None and chat_id < 0:
            window = self._group_messages.setdefault((bot_id, chat_id), deque())
            self._check(window, now, 60.0, self.config.group_messages_per_minute)

    def _check(self, window: deque[float], now: float, span: float, limit: int) -> None:
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) >= limit:
            self.rejected += 1
            raise too_many_requests(max(1, math.ceil(window[0] + span - now)))
        window.append(now)
