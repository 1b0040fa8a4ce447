"""Membership answers and administrator lists kept next to the decision.

A message from a member the gateway already knows is decided here without a call. The copy is
trusted only while membership's stream of changes is connected: every change membership learns
(a channel join or leave, an answer asked anew, an administrator change) reaches this copy within
the stream's latency, on every replica. When the stream breaks the copy is forgotten and nothing
is kept until it is back, so a stale answer can never outlive an event that corrected it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import grpc
import structlog

from gmbot.gateway.metrics import NEAR_CACHE
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.runtime.timestamps import to_seconds
from gmbot.v1 import membership_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub

log = structlog.get_logger("gmbot.gateway.clients.near_cache")

# Looked up once: a labelled child per lookup would cost more than the lookup itself.
_ANSWER_HIT, _ANSWER_MISS = NEAR_CACHE.labels("answer", "hit"), NEAR_CACHE.labels("answer", "miss")
_ADMINS_HIT, _ADMINS_MISS = NEAR_CACHE.labels("admins", "hit"), NEAR_CACHE.labels("admins", "miss")

# Events keep answers current; these bound how long a copy lives if an event was never sent.
MEMBER_SECONDS = 3600.0
NOT_MEMBER_SECONDS = 60.0
ADMINS_SECONDS = 600.0
MAX_ENTRIES = 200_000
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class NearCache:
    def __init__(self, most: int = MAX_ENTRIES) -> None:
        # (user, channel) -> (status, when membership observed it)
        self._answers: ExpiringLru[tuple[int, int], tuple[int, float]] = ExpiringLru(most)
        self._admins: ExpiringLru[int, frozenset[int]] = ExpiringLru(most)
        self._live = False
        self._watcher: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[int], None]] = []

    @property
    def live(self) -> bool:
        return self._live

    def answer(self, user_id: int, channel_id: int) -> int | None:
        """The membership status kept for (user, channel), or None when it must be asked."""
        if not self._live:
            return None
        found = self._answers.get((user_id, channel_id), time.monotonic())
        (_ANSWER_MISS if found is None else _ANSWER_HIT).inc()
        return None if found is None else found[0]

    def remember_answer(self, user_id: int, channel_id: int, status: int, observed: float) -> None:
        """Keeps an answer unless a newer one is already kept; UNKNOWN is never kept."""
        if not self._live or status not in (
            pb.MEMBERSHIP_STATUS_MEMBER,
            pb.MEMBERSHIP_STATUS_NOT_MEMBER,
        ):
            return
        now = time.monotonic()
        key = (user_id, channel_id)
        kept = self._answers.get(key, now)
        # Events carry Telegram's date in whole seconds: an event within the second of an answer
        # kept is taken as the newer (as membership's store does).
        if kept is not None and int(kept[1]) > observed:
            return
        lifetime = MEMBER_SECONDS if status == pb.MEMBERSHIP_STATUS_MEMBER else NOT_MEMBER_SECONDS
        self._answers.put(key, (status, observed), now + lifetime)

    def on_answer(self, listener: Callable[[int], None]) -> None:
        """`listener(user_id)` hears of every answer membership announces, once it is kept."""
        self._listeners.append(listener)

    def admins(self, chat_id: int) -> frozenset[int] | None:
        if not self._live:
            return None
        found = self._admins.get(chat_id, time.monotonic())
        (_ADMINS_MISS if found is None else _ADMINS_HIT).inc()
        return found

    def chats_administered_by(self, user_id: int) -> list[int]:
        """The chats whose administrator list held here names the user (none while not live)."""
        if not self._live:
            return []
        return [chat for chat, admins in self._admins.live(time.monotonic()) if user_id in admins]

    def remember_admins(self, chat_id: int, user_ids: frozenset[int]) -> None:
        if self._live:
            self._admins.put(chat_id, user_ids, time.monotonic() + ADMINS_SECONDS)

    def forget_admins(self, chat_id: int) -> None:
        self._admins.pop(chat_id)

    def apply(self, change: pb.MembershipChange) -> None:
        kind = change.WhichOneof("change")
        if kind == "answer":
            answer = change.answer
            if answer.status == pb.MEMBERSHIP_STATUS_UNKNOWN:
                self._answers.pop((answer.user_id, answer.channel_id))
            else:
                self.remember_answer(
                    answer.user_id, answer.channel_id, answer.status, to_seconds(answer.observed_at)
                )
                for listener in self._listeners:
                    listener(answer.user_id)
        elif kind == "administrators":
            self.forget_admins(change.administrators.chat_id)

    def went_live(self) -> None:
        """The stream is in place: from now on every change reaches this copy."""
        self._forget()
        self._live = True

    def _forget(self) -> None:
        self._live = False
        self._answers.clear()
        self._admins.clear()

    async def start(self, stub: MembershipServiceAsyncStub) -> None:
        self._watcher = asyncio.create_task(self._watch(stub))

    async def stop(self) -> None:
        await cancel_and_wait(self._watcher)
        self._forget()

    async def _watch(self, stub: MembershipServiceAsyncStub) -> None:
        failures = 0
        while True:
            try:
                async for change in stub.WatchChanges(pb.WatchChangesRequest()):
                    if change.WhichOneof("change") == "ready":
                        self.went_live()
                        failures = 0
                        log.info("membership changes flowing: answers kept near")
                    else:
                        self.apply(change)
                log.info("membership ended the stream of changes")
            except grpc.aio.AioRpcError as error:
                log.warning("membership changes lost", code=error.code().name)
            self._forget()
            await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
            failures += 1
