"""Warnings: one live warning per member per group, refreshed in place rather than re-sent, and
in a raid several members in one message rather than one message each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from gmbot.enforcement.domain.actions import ExpireWarning, NewAction, WarningSpec
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.ports import Ledger, Stores, TelegramActions
from gmbot.enforcement.domain.texts import (
    MAX_MEMBERS_PER_WARNING,
    Warned,
    warning_keyboard,
    warning_text,
)
from gmbot.runtime.tasks import cancel_and_wait

_MAX_GROUPS_SENDING = 10_000


@dataclass
class _Batch:
    group_id: int
    spec: WarningSpec
    members: list[Warned] = field(default_factory=list)
    waiters: list[asyncio.Future[int]] = field(default_factory=list)

    def add(self, member: Warned, spec: WarningSpec) -> asyncio.Future[int]:
        self.members.append(member)
        self.spec = self.spec.with_buttons_of(spec)
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return waiter


class LiveWarnings:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        signing_key: bytes,
        window: float,
        links: InviteLinks,
    ) -> None:
        # GMBot's own links on the join buttons (the join-request and removal notices too).
        self.links = links
        self._telegram = telegram
        self._ledger = ledger
        self._key = signing_key
        self._window = window
        self._batches: dict[tuple[int, tuple[int, int]], _Batch] = {}
        self._flushes: set[asyncio.Task[None]] = set()
        # One warning of a group on its way at a time: while it waits for the group's messages a
        # minute, the next batch stays open, so a raid costs a few warnings, not one a window.
        self._sending: dict[int, asyncio.Lock] = {}

    async def warn(self, group_id: int, member: Warned, spec: WarningSpec) -> int:
        """The id of the message that warns `member` (sent, or already live and refreshed)."""

        async def live(stores: Stores) -> tuple[int | None, bool]:
            warning = await stores.warnings.live(group_id, member.user_id)
            if warning is None:
                return None, False
            others = await stores.warnings.others_on(group_id, warning.message_id, member.user_id)
            return warning.message_id, others > 0

        live_id, shared = await self._ledger.step(live)
        if live_id is not None:
            if not shared:
                spec = await self.links.with_own_links(group_id, spec)
                await self._telegram.edit(
                    group_id,
                    live_id,
                    warning_text(spec, [member]),
                    warning_keyboard(spec, [member], group_id, self._key),
                )
            return live_id
        key = (group_id, spec.place)
        batch = self._batches.get(key)
        if batch is None or len(batch.members) >= MAX_MEMBERS_PER_WARNING:
            batch = _Batch(group_id, spec)
            self._batches[key] = batch
            task = asyncio.create_task(self._flush(key, batch))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        return await batch.add(member, spec)

    async def _flush(self, key: tuple[int, tuple[int, int]], batch: _Batch) -> None:
        await asyncio.sleep(self._window)
        sending = self._sending.setdefault(batch.group_id, asyncio.Lock())
        async with sending:
            if self._batches.get(key) is batch:
                del self._batches[key]
            await self._send(batch)
        if len(self._sending) > _MAX_GROUPS_SENDING:  # bounded: forget the idle ones
            self._sending = {g: lock for g, lock in self._sending.items() if lock.locked()}

    async def _send(self, batch: _Batch) -> None:
        try:
            # Once per message, not per member: a raid's warning asks the ledger once.
            spec = await self.links.with_own_links(batch.group_id, batch.spec)
            message_id = await self._telegram.send(
                batch.group_id,
                warning_text(spec, batch.members),
                warning_keyboard(spec, batch.members, batch.group_id, self._key),
                spec.message_thread_id or None,
                spec.reply_to_message_id or None,
            )
            await self._ledger.step(lambda stores: self._record(stores, batch, message_id))
        except BaseException as error:
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for waiter in batch.waiters:
            if not waiter.done():
                waiter.set_result(message_id)

    @staticmethod
    async def _record(stores: Stores, batch: _Batch, message_id: int) -> None:
        """The warning is live for its members until its time, then removed."""
        ttl = float(batch.spec.ttl_seconds or 300)
        await stores.warnings.record(
            batch.group_id,
            [m.user_id for m in batch.members],
            message_id,
            now() + timedelta(seconds=ttl),
        )
        await schedule(
            stores,
            NewAction(
                idempotency_key=f"expire-warning:{batch.group_id}:{message_id}",
                group_id=batch.group_id,
                user_id=0,
                reason="",
                payload=ExpireWarning(message_id),
                delay=ttl,
            ),
        )

    async def close(self) -> None:
        for task in list(self._flushes):
            await cancel_and_wait(task)
