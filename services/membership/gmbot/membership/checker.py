"""Membership's use cases: checks, batches, events, administrators, presence."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import structlog

from gmbot.membership.answers import Answer, Source, Status, status_of, unknown
from gmbot.membership.changes import ChangeFeed
from gmbot.membership.metrics import CACHE, CHECKS, SINGLE_FLIGHT_JOINS
from gmbot.membership.singleflight import SingleFlight
from gmbot.membership.store import AdminList, Store, jittered
from gmbot.membership.telegram import TelegramReader, TelegramRefused, TelegramUnavailable
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.errors import FailedPrecondition, InvalidArgument, Unavailable
from gmbot.runtime.ids import check_supergroup_id, check_unique, check_user_id
from gmbot.runtime.timestamps import to_timestamp
from gmbot.v1 import membership_pb2 as pb

log = structlog.get_logger("gmbot.membership.checker")

MAX_CHANNELS = 20
MAX_BATCH_USERS = 200
MAX_PRESENCES = 1000
# How long another replica's call may take before this one asks Telegram itself.
REPLICA_WAIT_SECONDS = 2.0
_ADMIN_STATUSES = frozenset({"creator", "administrator"})
# A presence already recorded this recently is not written again.
_PRESENCE_REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class Ttls:
    member: float
    not_member: float
    admins: float
    presence: float


@dataclass(frozen=True)
class EventResult:
    status: Status
    applied: bool
    admins_changed: bool


class MembershipChecker:
    def __init__(
        self,
        store: Store,
        telegram: TelegramReader,
        ttls: Ttls,
        batch_calls: int,
        changes: ChangeFeed,
    ) -> None:
        self._store = store
        self._changes = changes
        self._telegram = telegram
        self._ttls = ttls
        self._batch_calls = batch_calls
        self._answers: SingleFlight[Answer] = SingleFlight()
        self._admins: SingleFlight[AdminList] = SingleFlight()
        self._presence_written: dict[tuple[int, int], float] = {}
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
                await self._announce(channel_id, user_id, answer)
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
            await self._announce(chat_id, user_id, answer)
        admins_changed = old_status in _ADMIN_STATUSES or new_status in _ADMIN_STATUSES
        if admins_changed:
            await self._store.drop_admins(chat_id)
            await self._store.index_admin(
                chat_id, user_id, new_status in _ADMIN_STATUSES, self._ttls.presence
            )
            await self._changes.publish(
                pb.MembershipChange(administrators=pb.AdministratorsChanged(chat_id=chat_id))
            )
            self._refresh_admins(chat_id)
        return EventResult(status, applied, admins_changed)

    def _refresh_admins(self, chat_id: int) -> None:
        """The whole list read again behind everything else, so the index also holds what the
        update did not say (another administrator's change GMBot missed, an anonymous one)."""
        with priority(Priority.LATER):  # the task copies the context, and with it the priority
            task = asyncio.create_task(self._refetch_admins(chat_id))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def _refetch_admins(self, chat_id: int) -> None:
        try:
            await self.administrators(chat_id, fresh=True)
        except (FailedPrecondition, Unavailable) as error:
            log.info("administrators not read again", chat_id=chat_id, error=str(error))

    async def _announce(self, channel_id: int, user_id: int, answer: Answer) -> None:
        await self._changes.publish(
            pb.MembershipChange(
                answer=pb.AnswerChanged(
                    user_id=user_id,
                    channel_id=channel_id,
                    status=answer.status.value,
                    observed_at=to_timestamp(answer.observed_at),
                )
            )
        )

    async def administrators(self, chat_id: int, fresh: bool = False) -> tuple[AdminList, Source]:
        check_supergroup_id(chat_id, "chat_id")
        if not fresh:
            cached = await self._store.admins(chat_id)
            if cached is not None:
                return cached, Source.CACHE
        try:
            admins = await self._admins.run(chat_id, lambda: self._telegram.administrators(chat_id))
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

    async def record_presence(self, group_id: int, user_id: int) -> None:
        check_supergroup_id(group_id, "group_id")
        check_user_id(user_id, "user_id")
        now = time.time()
        if now - self._presence_written.get((group_id, user_id), 0.0) < _PRESENCE_REFRESH_SECONDS:
            return
        await self._store.touch(user_id, group_id, now, self._ttls.presence)
        self._presence_written[(group_id, user_id)] = now
        if len(self._presence_written) > 200_000:
            self._presence_written.clear()

    async def record_presences(self, presences: list[tuple[int, int]]) -> None:
        """Validates every entry before recording any, so a bad batch records nothing."""
        if len(presences) > MAX_PRESENCES:
            raise InvalidArgument(f"at most {MAX_PRESENCES} presences per call", field="presences")
        for group_id, user_id in presences:
            check_supergroup_id(group_id, "presences.group_id")
            check_user_id(user_id, "presences.user_id")
        for group_id, user_id in presences:
            await self.record_presence(group_id, user_id)

    async def user_groups(self, user_id: int) -> list[int]:
        check_user_id(user_id, "user_id")
        return await self._store.groups(user_id, time.time(), self._ttls.presence)
