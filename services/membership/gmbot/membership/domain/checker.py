"""Membership's use cases: checks, batches, events, administrators (presence is `presence`)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

import structlog

from gmbot.membership.domain.administrators import AdminList
from gmbot.membership.domain.answers import Answer, Source, Status, status_of, unknown
from gmbot.membership.domain.ports import (
    Changes,
    Store,
    Telegram,
    TelegramRefused,
    TelegramUnavailable,
)
from gmbot.membership.domain.singleflight import SingleFlight
from gmbot.membership.domain.ttls import Ttls, jittered
from gmbot.membership.metrics import CACHE, CHECKS, SINGLE_FLIGHT_JOINS
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.errors import FailedPrecondition, InvalidArgument, Unavailable
from gmbot.runtime.ids import check_supergroup_id, check_unique, check_user_id

log = structlog.get_logger("gmbot.membership.checker")

MAX_CHANNELS = 20
MAX_BATCH_USERS = 200
# How long another replica's call may take before this one asks Telegram itself.
REPLICA_WAIT_SECONDS = 2.0
_ADMIN_STATUSES = frozenset({"creator", "administrator"})


@dataclass(frozen=True)
class EventResult:
    status: Status
    applied: bool
    admins_changed: bool


class MembershipChecker:
    def __init__(
        self,
        store: Store,
        telegram: Telegram,
        ttls: Ttls,
        batch_calls: int,
        changes: Changes,
    ) -> None:
        self._store = store
        self._changes = changes
        self._telegram = telegram
        self._ttls = ttls
        self._batch_calls = batch_calls
        self._answers: SingleFlight[Answer] = SingleFlight()
        self._admins: SingleFlight[tuple[AdminList, Source]] = SingleFlight()
        # Per chat, the callers waiting for a list read fresh from Telegram.
        self._fresh_wanted: Counter[int] = Counter()
        self._outstanding: set[asyncio.Future[list[Answer]]] = set()
        self._refreshing: set[asyncio.Task[None]] = set()

    def _ttl(self, answer: Answer) -> float:
        return jittered(
            self._ttls.member if answer.status is Status.MEMBER else self._ttls.not_member
        )

    async def check(
        self,
        user_id: int,
        channel_ids: list[int],
        fresh: bool = False,
        wait: float | None = None,
    ) -> list[Answer]:
        """`wait`: how long the caller can wait for answers Telegram's budget holds back; what is
        still outstanding then is UNKNOWN for this caller, and is cached for the next one when
        it arrives."""
        check_user_id(user_id, "user_id")
        check_unique(channel_ids, "channel_ids", MAX_CHANNELS)
        for channel_id in channel_ids:
            check_supergroup_id(channel_id, "channel_ids")
        cached = {} if fresh else await self._store.answers(user_id, channel_ids)
        CACHE.labels("hit").inc(len(cached))
        CACHE.labels("miss").inc(len(channel_ids) - len(cached))
        missing = [c for c in channel_ids if c not in cached]
        asked = await self._within(
            wait, len(missing), asyncio.gather(*(self._ask(c, user_id, fresh) for c in missing))
        )
        answers = {
            **{c: a.cached() for c, a in cached.items()},
            **dict(zip(missing, asked, strict=True)),
        }
        ordered = [answers[c] for c in channel_ids]
        for answer in ordered:
            CHECKS.labels(answer.status.name, answer.source.name).inc()
        return ordered

    async def _within(
        self, wait: float | None, count: int, asking: asyncio.Future[list[Answer]]
    ) -> list[Answer]:
        if wait is None:
            return await asking
        try:
            return await asyncio.wait_for(asyncio.shield(asking), max(wait, 0.0))
        except TimeoutError:
            # The calls go on and fill the cache; this caller gets UNKNOWN, never NOT_MEMBER.
            self._outstanding.add(asking)
            asking.add_done_callback(self._outstanding.discard)
            asking.add_done_callback(lambda done: done.cancelled() or done.exception())
            return [unknown("still waiting for Telegram's budget", time.time())] * count

    async def batch(
        self, user_ids: list[int], channel_ids: list[int], max_calls: int
    ) -> tuple[dict[int, list[Answer]], int]:
        """Answers for every user; at most `max_calls` Bot API calls, the rest UNKNOWN."""
        check_unique(user_ids, "user_ids", MAX_BATCH_USERS)
        check_unique(channel_ids, "channel_ids", MAX_CHANNELS)
        for user_id in user_ids:
            check_user_id(user_id, "user_ids")
        for channel_id in channel_ids:
            check_supergroup_id(channel_id, "channel_ids")
        budget = max_calls or self._batch_calls
        if budget > self._batch_calls * 10:
            raise InvalidArgument(
                f"max_telegram_calls is at most {self._batch_calls * 10}",
                field="max_telegram_calls",
            )
        results: dict[int, dict[int, Answer]] = {}
        to_ask: list[tuple[int, int]] = []
        for user_id in user_ids:
            cached = await self._store.answers(user_id, channel_ids)
            results[user_id] = {c: a.cached() for c, a in cached.items()}
            to_ask += [(c, user_id) for c in channel_ids if c not in cached]
        asked = await asyncio.gather(*(self._ask(c, u, False) for c, u in to_ask[:budget]))
        for (channel_id, user_id), answer in zip(to_ask[:budget], asked, strict=True):
            results[user_id][channel_id] = answer
        now = time.time()
        for channel_id, user_id in to_ask[budget:]:
            results[user_id][channel_id] = unknown("budget", now)
        ordered = {u: [results[u][c] for c in channel_ids] for u in user_ids}
        return ordered, min(len(to_ask), budget)

    async def _ask(self, channel_id: int, user_id: int, fresh: bool) -> Answer:
        return await self._answers.run(
            (channel_id, user_id), lambda: self._ask_across_replicas(channel_id, user_id, fresh)
        )

    async def _ask_across_replicas(self, channel_id: int, user_id: int, fresh: bool) -> Answer:
        """Through Redis, one replica asks and the others read its answer from the cache."""
        lock = f"{channel_id}:{user_id}"
        started = time.time()
        holds = await self._store.lock(lock, REPLICA_WAIT_SECONDS)
        if not holds:
            deadline = time.monotonic() + REPLICA_WAIT_SECONDS
            while time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                found = (await self._store.answers(user_id, [channel_id])).get(channel_id)
                if found is not None and (not fresh or found.observed_at >= started):
                    SINGLE_FLIGHT_JOINS.labels("replicas").inc()
                    return found
        try:
            answer = await self._telegram.membership(channel_id, user_id)
            if answer.status is not Status.UNKNOWN:
                await self._store.put(channel_id, user_id, answer, self._ttl(answer))
                await self._changes.answer_changed(channel_id, user_id, answer)
            return answer
        finally:
            if holds:
                await self._store.unlock(lock)

    async def record_event(
        self,
        chat_id: int,
        user_id: int,
        old_status: str,
        new_status: str,
        is_member: bool,
        date: float,
    ) -> EventResult:
        check_supergroup_id(chat_id, "chat_id")
        check_user_id(user_id, "user_id")
        status = status_of(new_status, is_member)
        if status is Status.UNKNOWN:
            raise InvalidArgument(
                "new_status must be one of Telegram's statuses", field="new_status"
            )
        answer = Answer(status, Source.EVENT, date, new_status)
        applied = await self._store.put_if_newer(chat_id, user_id, answer, self._ttl(answer))
        if applied:
            await self._changes.answer_changed(chat_id, user_id, answer)
        admins_changed = old_status in _ADMIN_STATUSES or new_status in _ADMIN_STATUSES
        if admins_changed:
            await self._store.drop_admins(chat_id)
            await self._store.index_admin(
                chat_id, user_id, new_status in _ADMIN_STATUSES, self._ttls.presence
            )
            await self._changes.administrators_changed(chat_id)
            self._refresh_admins(chat_id)
        return EventResult(status, applied, admins_changed)

    def _refresh_admins(self, chat_id: int) -> None:
        """The whole list read again behind everything else, so the index also holds what the
        update did not say (another administrator's change GMBot missed, an anonymous one)."""
        task = asyncio.create_task(self._refetch_admins(chat_id))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def _refetch_admins(self, chat_id: int) -> None:
        try:
            await self.administrators(chat_id, fresh=True, priority=Priority.LATER)
        except (FailedPrecondition, Unavailable) as error:
            log.info("administrators not read again", chat_id=chat_id, error=str(error))

    async def administrators(
        self, chat_id: int, fresh: bool = False, priority: Priority | None = None
    ) -> tuple[AdminList, Source]:
        """`priority`: how soon Telegram's budget serves the call (None: the caller's own)."""
        check_supergroup_id(chat_id, "chat_id")
        if not fresh:
            cached = await self._store.admins(chat_id)
            if cached is not None:
                return cached, Source.CACHE
        else:
            self._fresh_wanted[chat_id] += 1
        try:
            if fresh:
                # A fresh caller joins no read already under way: it may have been answered
                # before what made this caller ask (a promotion's read, and now a demotion).
                await self._admins.settled(chat_id)
            return await self._admins.run(
                chat_id, lambda: self._cached_or_read(chat_id, fresh, priority)
            )
        finally:
            if fresh:
                self._fresh_wanted[chat_id] -= 1
                if not self._fresh_wanted[chat_id]:
                    del self._fresh_wanted[chat_id]

    async def _cached_or_read(
        self, chat_id: int, fresh: bool, priority: Priority | None
    ) -> tuple[AdminList, Source]:
        """The one run of a chat's shared flight. It ends only once the list read is cached, so
        a call arriving after Telegram's answer joins it or finds the list, never reads again."""
        if not fresh:
            # A flight that ended after this caller's look may have cached it; unless a caller
            # that asked for a fresh list has joined this flight since.
            cached = await self._store.admins(chat_id)
            if cached is not None and not self._fresh_wanted[chat_id]:
                return cached, Source.CACHE
        try:
            admins = await self._telegram.administrators(chat_id, priority)
        except TelegramRefused as error:
            raise FailedPrecondition(
                f"the bot cannot list the administrators of {chat_id}: {error}"
            ) from error
        except TelegramUnavailable as error:
            raise Unavailable(
                f"Telegram did not list the administrators of {chat_id}: {error}"
            ) from error
        await self._store.put_admins(chat_id, admins, jittered(self._ttls.admins))
        # Kept as long as presence: who administers what changes by updates, which are indexed.
        people = frozenset(a.user_id for a in admins.admins if not a.is_bot)
        await self._store.index_admins(chat_id, people, self._ttls.presence)
        return admins, Source.TELEGRAM

    async def administered(self, user_id: int) -> list[int]:
        """The chats whose kept administrator lists name the user (anonymous or not)."""
        check_user_id(user_id, "user_id")
        return await self._store.administered(user_id)
