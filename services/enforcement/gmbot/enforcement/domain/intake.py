"""Taking actions in: durable in the ledger before the call returns, then announced to the
workers through the queue; refused while too many wait.

One member, one mute: a violation by a member whose mute (or kick) by GMBot is pending or in
force costs only its message's deletion, decided here, under a lock on the member, so that
bursts sent by several gateway replicas at once still mute and warn once.

A release (of a member, or of a whole group) takes effect as it is accepted: the moment is
recorded, so nothing decided before it is carried out after it, and the renewals and scheduled
kicks it makes pointless are cancelled in the same transaction.

Observe mode: an action is recorded as what GMBot would have done (OBSERVED) and never queued;
the group's owner gets a digest of the period's observations, scheduled here once per period.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace

from gmbot.enforcement.domain.actions import RELEASES, Enforce, Kind, NewAction, ObserveDigest
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.ports import Ledger, Stores
from gmbot.enforcement.domain.work_queue import Lane, Queue
from gmbot.enforcement.metrics import ACCEPTED, BACKLOG
from gmbot.runtime.errors import QuotaExceeded

_HOUSEKEEPING = frozenset(
    {Kind.EXPIRE_WARNING, Kind.RENEW_MUTE, Kind.OBSERVE_DIGEST, Kind.LOG_MESSAGE}
)


def lane_of(kind: Kind) -> Lane:
    return Lane.HOUSEKEEPING if kind in _HOUSEKEEPING else Lane.URGENT


async def _punished(stores: Stores, group_id: int, user_id: int) -> bool:
    """GMBot's mute of the member is in force (and not lifted), or a mute or kick of theirs is
    accepted and not yet finished."""
    held = await stores.restrictions.get(group_id, user_id)
    if held is not None and held.active and held.until_date > time.time():
        return True
    pending = await stores.actions.unfinished_of(Kind.ENFORCE, group_id, user_id)
    return any(isinstance(a.payload, Enforce) and a.payload.punishes for a in pending)


class Backlog:
    """Actions accepted and not finished: counted as they come and go, recounted from the
    ledger now and then (another replica finishes some too)."""

    def __init__(self, bound: int) -> None:
        self._bound = bound
        self._count = 0

    def check(self) -> None:
        if self._count >= self._bound:
            raise QuotaExceeded(
                f"{self._count} actions are waiting; retry in a moment",
                subject="enforcement-queue",
            )

    def added(self) -> None:
        self._count += 1

    def finished(self) -> None:
        self._count = max(0, self._count - 1)

    def recount(self, unfinished: int) -> None:
        self._count = unfinished
        BACKLOG.set(unfinished)


async def _let_go(stores: Stores, new: NewAction) -> None:
    """From now on, nothing decided about the member (user 0: the whole group) before now is
    carried out: the moment is recorded, and what waits for its time is cancelled."""
    moment = now()
    everyone = new.kind is Kind.RELEASE_GROUP
    await stores.releases.record(new.group_id, 0 if everyone else new.user_id, moment)
    await stores.actions.cancel_decided_before(
        new.group_id,
        None if everyone else new.user_id,
        moment,
        f"cancelled: released ({new.reason})",
    )


async def _schedule_digest(stores: Stores, new: NewAction, period: float) -> None:
    """Each recipient hears about the period's observations once, when the period ends: the key
    names the group, the period and the recipient."""
    observation = new.observation
    if observation is None:
        return
    start = int(time.time() // period * period)
    for index, user_id in enumerate(observation.digest_user_ids):
        digest = ObserveDigest(
            since=start,
            until=start + period,
            language=observation.language_of(index),
            group_title=observation.group_title,
        )
        await schedule(
            stores,
            NewAction(
                f"digest:{new.group_id}:{start}:{user_id}",
                new.group_id,
                user_id,
                "",
                digest,
                delay=max(1.0, start + period - time.time()),
            ),
        )


class ActionIntake:
    def __init__(
        self, ledger: Ledger, queue: Queue, backlog: Backlog, digest_seconds: float = 3600.0
    ) -> None:
        self._ledger = ledger
        self._queue = queue
        self._backlog = backlog
        self._digest_seconds = digest_seconds

    async def accept(self, new: NewAction) -> tuple[str, bool]:
        """Records an action that runs at once; durable before it returns. A repeated
        idempotency key changes nothing and answers the first action's id."""
        self._backlog.check()
        action_id, accepted = await self._ledger.write(lambda stores: self._record(stores, new))
        if new.observation is not None:
            ACCEPTED.labels(new.kind.value, "observed" if accepted else "duplicate").inc()
            return action_id, accepted
        ACCEPTED.labels(new.kind.value, "accepted" if accepted else "duplicate").inc()
        if accepted:
            self._backlog.added()
            with contextlib.suppress(Exception):  # the sweeper hands it out if this fails
                await self._queue.put(action_id, lane_of(new.kind))
        return action_id, accepted

    async def _record(self, stores: Stores, new: NewAction) -> tuple[str, bool]:
        """The action's id and whether it is new; a punishment of a member already punished is
        recorded as its follow-up. It only writes, so that it can run again (Ledger.write)."""
        if new.observation is not None:
            action_id, accepted = await stores.actions.add(new)
            if accepted:
                await _schedule_digest(stores, new, self._digest_seconds)
            return action_id, accepted
        if isinstance(new.payload, Enforce) and new.payload.punishes:
            await stores.restrictions.lock(new.group_id, new.user_id)
            if await _punished(stores, new.group_id, new.user_id):
                new = replace(new, payload=new.payload.follow_up())
        action_id, accepted = await stores.actions.add(new)
        if accepted and new.kind in RELEASES:
            await _let_go(stores, new)
        return action_id, accepted
