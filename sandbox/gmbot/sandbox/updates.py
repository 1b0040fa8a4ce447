"""A bot's updates, as Telegram keeps them: numbered, filtered by allowed_updates when created,
handed out by long polling (confirmed by the next offset) or pushed to a webhook (one update
per chat at a time, redelivered with backoff until the bot answers 2xx)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import structlog

from gmbot.runtime.tasks import cancel_and_wait
from gmbot.sandbox.errors import bad_request, conflict

log = structlog.get_logger("gmbot.sandbox.updates")

ALL_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Telegram's default when a bot never said: everything but these.
DEFAULT_ALLOWED = ALL_UPDATES - {"chat_member", "message_reaction", "message_reaction_count"}
MAX_POLL_TIMEOUT = 50
KEEP_SECONDS = 24 * 3600


@dataclass
class Pending:
    update: dict[str, Any]
    chat_key: int | None
    created: float
    attempts: int = 0
    not_before: float = 0.0


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None
    in_flight: set[int | None] = field(default_factory=set)


class UpdateQueue:
    def __init__(self, retry_base: float = 2.0, retry_cap: float = 60.0) -> None:
        self.allowed: frozenset[str] | None = None
        self.pending: list[Pending] = []
        self.webhook: Webhook | None = None
        self.delivered: list[dict[str, Any]] = []  # for the control API: what the bot received
        self._next_id = 1
        # What the control API tells benchmarks: when the bot last confirmed updates, and how
        # often it asked for them.
        self.confirmed_at: float | None = None
        self.polls = 0
        self._wake = asyncio.Event()
        self._poll_generation = 0
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def last_update_id(self) -> int:
        """The newest update's id (0 before the first)."""
        return self._next_id - 1

    @property
    def confirmed_below(self) -> int:
        """Every update with a smaller id is confirmed (by a getUpdates offset or a 2xx)."""
        return int(self.pending[0].update["update_id"]) if self.pending else self._next_id

    def state(self) -> dict[str, Any]:
        return {
            "last_update_id": self.last_update_id,
            "confirmed_below": self.confirmed_below,
            "confirmed_at": self.confirmed_at,
            "pending": len(self.pending),
            "polls": self.polls,
            "webhook": self.webhook is not None,
        }

    def _note_confirmation(self, floor_before: int) -> None:
        if self.confirmed_below > floor_before:
            self.confirmed_at = time.time()

    @property
    def effective_allowed(self) -> frozenset[str]:
        return DEFAULT_ALLOWED if self.allowed is None else self.allowed

    def push(self, kind: str, payload: dict[str, Any], chat_key: int | None) -> bool:
        if kind not in self.effective_allowed:
            return False
        self.pending.append(
            Pending({"update_id": self._next_id, kind: payload}, chat_key, time.time())
        )
        self._next_id += 1
        self._expire()
        self._wake.set()
        return True

    def _expire(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        # Oldest first: only a queue whose head has expired needs rebuilding (a push stays O(1)).
        if self.pending and self.pending[0].created < cutoff:
            self.pending = [p for p in self.pending if p.created >= cutoff]

    def _confirm(self, offset: int) -> None:
        floor = self.confirmed_below
        if offset < 0:  # -N: keep only the last N
            self.pending = self.pending[offset:]
        else:
            self.pending = [p for p in self.pending if p.update["update_id"] >= offset]
        self._note_confirmation(floor)

    def _remember_allowed(self, allowed_updates: list[str] | None) -> None:
        if allowed_updates is None:
            return  # an omitted list keeps the previous setting
        unknown = set(allowed_updates) - ALL_UPDATES
        if unknown:
            raise bad_request(f"unknown update type {sorted(unknown)[0]}")
        self.allowed = frozenset(allowed_updates) if allowed_updates else DEFAULT_ALLOWED

    async def get_updates(
        self, offset: int | None, limit: int, wait_seconds: int, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        if not 1 <= limit <= 100:
            limit = 100
        self._remember_allowed(allowed_updates)
        self.polls += 1
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake.set()  # an older getUpdates still waiting ends with 409
        if offset is not None:
            self._confirm(offset)
        deadline = time.monotonic() + min(max(wait_seconds, 0), MAX_POLL_TIMEOUT)
        while not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)
            if generation != self._poll_generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
        batch = [p.update for p in self.pending[:limit]]
        self.delivered.extend(batch)
        return batch

    # -- webhook
    def set_webhook(
        self,
        url: str,
        secret_token: str | None,
        max_connections: int,
        allowed_updates: list[str] | None,
        drop_pending: bool,
    ) -> None:
        self._remember_allowed(allowed_updates)
        if drop_pending:
            self.pending.clear()
        self.webhook = Webhook(url, secret_token, max_connections)
        self._poll_generation += 1  # a waiting getUpdates ends
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._deliver_forever())

    async def delete_webhook(self, drop_pending: bool) -> None:
        self.webhook = None
        if drop_pending:
            self.pending.clear()
        await self._stop_worker()

    async def close(self) -> None:
        await self._stop_worker()

    async def _stop_worker(self) -> None:
        await cancel_and_wait(self._worker)
        self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.allowed is not None:
            info["allowed_updates"] = sorted(self.allowed)
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def _deliver_forever(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        tasks: set[asyncio.Task[None]] = set()
        while self.webhook is not None:
            webhook = self.webhook
            now = time.monotonic()
            for pending in self._deliverable(webhook, now, len(tasks)):
                webhook.in_flight.add(pending.chat_key)
                task = asyncio.create_task(self._deliver(webhook, pending))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            self._wake.clear()
            waits = [p.not_before - now for p in self.pending if p.not_before > now]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(waits, default=1.0))

    def _deliverable(self, webhook: Webhook, now: float, busy: int) -> list[Pending]:
        chosen: list[Pending] = []
        seen: set[int | None] = set(webhook.in_flight)
        for pending in self.pending:
            if busy + len(chosen) >= webhook.max_connections:
                break
            if pending.chat_key in seen:
                continue
            seen.add(pending.chat_key)  # later updates of this chat wait for this one
            if pending.not_before <= now:
                chosen.append(pending)
        return chosen

    async def _deliver(self, webhook: Webhook, pending: Pending) -> None:
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        retry_after: float | None = None
        error = None
        try:
            assert self._session is not None  # noqa: S101 - the worker opened it
            async with self._session.post(
                webhook.url, json=pending.update, headers=headers
            ) as response:
                if 200 <= response.status < 300:
                    floor = self.confirmed_below
                    with contextlib.suppress(ValueError):
                        self.pending.remove(pending)
                    self._note_confirmation(floor)
                    self.delivered.append(pending.update)
                else:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
                    if header := response.headers.get("Retry-After"):
                        with contextlib.suppress(ValueError):
                            retry_after = float(header)
        except (aiohttp.ClientError, TimeoutError, OSError) as failure:
            error = f"Connection failed: {failure.__class__.__name__}"
        finally:
            webhook.in_flight.discard(pending.chat_key)
            if error is not None:
                pending.attempts += 1
                backoff = (
                    0.0
                    if pending.attempts == 1
                    else min(self._retry_base * 2 ** (pending.attempts - 2), self._retry_cap)
                )
                pending.not_before = time.monotonic() + max(backoff, retry_after or 0.0)
                webhook.last_error_date = int(time.time())
                webhook.last_error_message = error
            self._wake.set()
