"""A violation's cost, step by step: the message deleted (in its chat's batch), the member
muted (or removed), and warned; and the mute renewed while they stay unverified, so it never
outlives GMBot by accident. Every step can run twice (a worker may die after it) without doing
its effect twice: deleted stays deleted, a restriction is set, not added, and a live warning is
refreshed rather than sent again. A release accepted since the decision overrides it, whenever
it comes."""

from __future__ import annotations

import time
from dataclasses import replace

from gmbot.enforcement.domain.action_log import ActionLog, line_of
from gmbot.enforcement.domain.actions import (
    Action,
    Enforce,
    Kick,
    MemberAction,
    NewAction,
    RenewMute,
    State,
    WarningSpec,
)
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.deletions import DeletionBatches
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.live_warnings import LiveWarnings
from gmbot.enforcement.domain.log_lines import LogEvent
from gmbot.enforcement.domain.ports import Ledger, Restriction, Stores, TelegramActions
from gmbot.enforcement.domain.releases import Releases, released_since
from gmbot.enforcement.domain.removals import Removals
from gmbot.enforcement.domain.slots import Slot
from gmbot.enforcement.domain.texts import Warned

# Renew a mute this long before it would end.
RENEW_BEFORE = 12 * 3600


class Violations:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        warnings: LiveWarnings,
        deletions: DeletionBatches,
        releases: Releases,
        removals: Removals,
        mute_seconds: float,
        action_log: ActionLog,
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._warnings = warnings
        self._deletions = deletions
        self._releases = releases
        self._removals = removals
        self._mute_seconds = mute_seconds
        self._log = action_log

    async def _restriction(self, action: Action) -> Restriction | None:
        return await self._ledger.read(
            lambda stores: stores.restrictions.get(action.group_id, action.user_id)
        )

    async def _released_or_taken_over(self, action: Action) -> bool:
        """After a long wait (for its chat's batch, then a slot): released since the decision,
        or taken over by another worker (this replica lost the ledger for longer than the
        lease). Either way this run goes no further: no mute that is not its to make."""
        decided = action.created_at

        async def read(stores: Stores) -> bool:
            if not await stores.actions.holds(action.action_id, action.attempts):
                return True
            return decided is not None and await stores.releases.since(
                action.group_id, action.user_id, decided
            )

        return await self._ledger.read(read)

    async def _mute(
        self,
        action: Action,
        kick_after_minutes: int = 0,
        name: str = "",
        notice: WarningSpec | None = None,
    ) -> bool:
        """Mutes and records it; False (and the mute undone) when a release overtook it."""
        until = int(time.time() + self._mute_seconds)
        await self._telegram.mute(action.group_id, action.user_id, until)

        async def record(stores: Stores) -> bool:
            decided = action.created_at
            if decided is not None and await stores.releases.since(
                action.group_id, action.user_id, decided
            ):
                return False
            await stores.restrictions.impose(
                action.group_id, action.user_id, until, action.reason, name
            )
            await schedule(
                stores,
                NewAction(
                    f"renew:{action.group_id}:{action.user_id}:{until}",
                    action.group_id,
                    action.user_id,
                    action.reason,
                    RenewMute(until),
                    delay=max(1.0, until - time.time() - RENEW_BEFORE),
                ),
            )
            if kick_after_minutes:
                await schedule(
                    stores,
                    NewAction(
                        f"kick-unverified:{action.action_id}",
                        action.group_id,
                        action.user_id,
                        "verification_timeout",
                        Kick(only_if_restricted=True, notice=notice),
                        delay=float(kick_after_minutes) * 60,
                    ),
                )
            return True

        if await self._ledger.step(record):
            return True
        await self._releases.lift_if_ours(action.group_id, action.user_id, until)
        return False

    async def _muted_before(self, action: Action) -> bool:
        """A second run of an action (its worker died) does not mute again what the first did."""
        if action.attempts <= 1:
            return False
        held = await self._restriction(action)
        return held is not None and held.active

    async def enforce(self, action: Action, payload: Enforce, slot: Slot) -> State:
        """Deletion (in the chat's batch) and the mute first (they protect the group), the
        warning after. A release accepted since the decision (the member verified or exempted,
        the group unprotected) overrides it, whenever it comes."""
        if await released_since(self._ledger, action):
            return State.SKIPPED
        if payload.message_id:
            # The messages of the actions taken up meanwhile join the same batch.
            slot.release()
            await self._deletions.delete(action.group_id, payload.message_id)
            await slot.retake()
            # Only a mute or a kick must not follow a release that overtook it; a deletion alone
            # has nothing left to guard (its warning reads the releases again), and a raid's
            # further messages are four in five of its actions, each a transaction fewer.
            if payload.punishes and await self._released_or_taken_over(action):
                return State.SKIPPED
        name = payload.warning.user_display_name if payload.warning is not None else ""
        warning = payload.warning
        if payload.action is MemberAction.MUTE and not await self._muted_before(action):
            if not await self._mute(action, payload.kick_after_minutes, name, warning):
                return State.SKIPPED
        elif payload.action is MemberAction.KICK:
            if await self._removals.remove(action.group_id, action.user_id) is not State.DONE:
                return State.DONE
            await self._removals.tell_removed(action, warning)
        await self._report(action, payload)
        if warning is not None and payload.action is not MemberAction.KICK:
            if await released_since(self._ledger, action):
                return State.DONE
            if payload.action is MemberAction.MUTE:
                # The warning says when the kick comes.
                warning = replace(warning, kick_after_minutes=payload.kick_after_minutes)
            member = Warned(action.user_id, warning.user_display_name)
            slot.release()  # a raid's warnings wait minutes; the deletions behind them must not
            message_id = await self._warnings.warn(action.group_id, member, warning)
            await self._ledger.step(lambda stores: _warned(stores, action, warning, message_id))
        return State.DONE

    async def _report(self, action: Action, payload: Enforce) -> None:
        """Done: the group's log chat hears of it. Only on the first run: a run again (its
        worker died) may have reported it already, and a log line twice is worse than none."""
        warning = payload.warning
        if warning is None or not warning.log_chat_id or action.attempts > 1:
            return
        line = line_of(action, LogEvent(payload.action.value), warning)
        await self._log.report(warning.log_chat_id, line)

    async def renew(self, action: Action, payload: RenewMute) -> State:
        """Still unverified: the mute is extended, so it never outlives GMBot by accident."""
        held = await self._restriction(action)
        if held is None or not held.active or held.until_date != payload.until:
            return State.SKIPPED
        if await released_since(self._ledger, action):
            return State.SKIPPED
        if await self._removals.still_gmbots(action, held.until_date) is None:
            return State.SKIPPED  # someone else's ban or restriction is not GMBot's to renew
        return State.DONE if await self._mute(action) else State.SKIPPED


async def _warned(stores: Stores, action: Action, warning: WarningSpec, message_id: int) -> None:
    """The warning is out: the action names its message, and the member counts as warned for
    each channel whose button GMBot's own link backs (the first step of that channel's funnel)."""
    await stores.actions.set_warning(action.action_id, message_id)
    channels = [button.channel_id for button in warning.join_buttons if button.channel_id]
    await stores.channel_joins.record_warning(action.group_id, channels, action.user_id, now())
