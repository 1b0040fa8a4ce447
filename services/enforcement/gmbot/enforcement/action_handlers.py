"""What each kind of action does in Telegram, step by step. Every step can run twice (a worker
may die after it) without doing its effect twice: deleted stays deleted, a restriction is set,
not added, and a live warning is refreshed rather than sent again. Each step that reads or writes
the ledger does so in its own transaction; a follow-up GMBot schedules for itself is recorded in
the transaction of the step it follows.

Other people's actions win: a renewal or a scheduled kick first reads the member from Telegram,
and when the mute there is not GMBot's any more (an administrator or another bot banned, removed,
restricted or unmuted the member since), GMBot's record ends and Telegram is not touched. A
removal is a ban that ends by itself, never a ban followed by unbanChatMember, so a ban someone
else adds is never lifted by GMBot."""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol, assert_never

import structlog

from gmbot.enforcement.actions import (
    Action,
    Ban,
    BanSenderChat,
    DecideJoinRequest,
    Enforce,
    ExpireWarning,
    JoinDecision,
    Kick,
    MemberAction,
    NewAction,
    ObserveDigest,
    Permanent,
    Release,
    ReleaseGroup,
    RenewMute,
    State,
    Unban,
    WarningSpec,
)
from gmbot.enforcement.deletions import DeletionBatches
from gmbot.enforcement.ledger import Ledger, Stores, schedule
from gmbot.enforcement.live_warnings import LiveWarnings
from gmbot.enforcement.models import RestrictionRow
from gmbot.enforcement.releases import Releases, imposed_by_gmbot
from gmbot.enforcement.telegram import TelegramActions
from gmbot.enforcement.texts import (
    Warned,
    go_live_keyboard,
    observe_digest,
    removal_notice,
    request_notice,
)

# Renew a mute this long before it would end.
RENEW_BEFORE = 12 * 3600
# Telegram drops a join request after a day.
JOIN_REQUEST_SECONDS = 24 * 3600
# A removal bans for this long, then the member may come back. Telegram reads an until_date
# under 30 s from now as forever: a minute keeps clear of that with clocks that disagree.
REMOVAL_SECONDS = 60
log = structlog.get_logger("gmbot.enforcement.actions")
# Statuses of someone who is not in the group to be removed: banned (by someone else, whose ban
# GMBot must not shorten) or gone.
_NOT_THERE = frozenset({"kicked", "left"})


class Slot(Protocol):
    """The action's working slot in the worker pool. Released while the action only waits (for
    its chat's batch of deletions, for its warning's turn in the group's 20 messages a minute),
    so the slot goes to the next action; retaken when it works again."""

    def release(self) -> None: ...

    async def retake(self) -> None: ...


class _Unbounded:
    """No pool: the action keeps going as it is."""

    def release(self) -> None:
        """Nothing held."""

    async def retake(self) -> None:
        """Nothing to wait for."""


def _in_force(held: RestrictionRow | None) -> bool:
    return held is not None and held.active


class ActionHandlers:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        warnings: LiveWarnings,
        deletions: DeletionBatches,
        mute_seconds: float,
        signing_key: bytes = b"",
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._warnings = warnings
        self._deletions = deletions
        self._mute_seconds = mute_seconds
        self._key = signing_key
        self._releases = Releases(telegram, ledger)

    async def carry_out(self, action: Action, slot: Slot | None = None) -> State:
        match action.payload:
            case Enforce() as payload:
                return await self.enforce(action, payload, slot or _Unbounded())
            case Release():
                return await self.release(action)
            case ReleaseGroup() as payload:
                return await self.release_group(action, payload)
            case Kick() as payload:
                return await self.kick(action, payload)
            case Ban() as payload:
                return await self.ban(action, payload)
            case Unban():
                return await self.unban(action)
            case BanSenderChat() as payload:
                return await self.ban_sender_chat(action, payload)
            case DecideJoinRequest() as payload:
                return await self.join_request(action, payload)
            case ExpireWarning() as payload:
                return await self.expire_warning(action, payload)
            case RenewMute() as payload:
                return await self.renew_mute(action, payload)
            case ObserveDigest() as payload:
                return await self.observe_digest(action, payload)
            case unknown:
                assert_never(unknown)

    async def _restriction(self, action: Action) -> RestrictionRow | None:
        return await self._ledger.step(
            lambda stores: stores.restrictions.get(action.group_id, action.user_id)
        )

    async def _released_since(self, action: Action) -> bool:
        """The member (or the group) was released after this action was decided: it is not
        carried out any more."""
        decided = action.created_at
        if decided is None:
            return False
        return await self._ledger.step(
            lambda stores: stores.releases.since(action.group_id, action.user_id, decided)
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

        return await self._ledger.step(read)

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
        return action.attempts > 1 and _in_force(await self._restriction(action))

    async def enforce(self, action: Action, payload: Enforce, slot: Slot) -> State:
        """Deletion (in the chat's batch) and the mute first (they protect the group), the
        warning after. A release accepted since the decision (the member verified or exempted,
        the group unprotected) overrides it, whenever it comes."""
        if await self._released_since(action):
            return State.SKIPPED
        if payload.message_id:
            # The messages of the actions taken up meanwhile join the same batch.
            slot.release()
            await self._deletions.delete(action.group_id, payload.message_id)
            await slot.retake()
            if await self._released_or_taken_over(action):
                return State.SKIPPED
        name = payload.warning.user_display_name if payload.warning is not None else ""
        warning = payload.warning
        if payload.action is MemberAction.MUTE and not await self._muted_before(action):
            if not await self._mute(action, payload.kick_after_minutes, name, warning):
                return State.SKIPPED
        elif (
            payload.action is MemberAction.KICK
            and await self._remove(action.group_id, action.user_id) is State.DONE
        ):
            await self._tell_removed(action, warning)
        if warning is not None and payload.action is not MemberAction.KICK:
            if await self._released_since(action):
                return State.DONE
            if payload.action is MemberAction.MUTE:
                # The warning says when the kick comes.
                warning = replace(warning, kick_after_minutes=payload.kick_after_minutes)
            member = Warned(action.user_id, warning.user_display_name)
            slot.release()  # a raid's warnings wait minutes; the deletions behind them must not
            message_id = await self._warnings.warn(action.group_id, member, warning)
            await self._ledger.step(
                lambda stores: stores.actions.set_warning(action.action_id, message_id)
            )
        return State.DONE

    async def release(self, action: Action) -> State:
        return await self._releases.release(action)

    async def release_group(self, action: Action, payload: ReleaseGroup) -> State:
        return await self._releases.release_group(action, payload)

    async def _remove(self, group_id: int, user_id: int, member: Any = None) -> State:
        """Removes the member (`member`: as Telegram showed them a moment ago) by a ban that
        ends by itself: no unban follows it that could free a member an administrator banned
        meanwhile. A member banned already, or gone, is left as they are."""
        if member is None:
            member = await self._telegram.member(group_id, user_id)
        removed = member.status not in _NOT_THERE
        if removed:
            await self._telegram.ban(group_id, user_id, int(time.time()) + REMOVAL_SECONDS)
        await self._ledger.step(lambda stores: stores.restrictions.lift(group_id, user_id))
        return State.DONE if removed else State.SKIPPED

    async def _still_gmbots(self, action: Action, until_date: int) -> Any:
        """The member as Telegram shows them while they wear GMBot's mute (until `until_date`);
        None when they do not any more: someone else acted on them, and GMBot's record ends."""
        member = await self._telegram.member(action.group_id, action.user_id)
        if imposed_by_gmbot(member, until_date):
            return member
        await self._ledger.step(
            lambda stores: stores.restrictions.lift(action.group_id, action.user_id)
        )
        return None

    async def kick(self, action: Action, payload: Kick) -> State:
        if not payload.only_if_restricted:
            return await self._remove(action.group_id, action.user_id)
        held = await self._restriction(action)
        if held is None or not held.active or await self._released_since(action):
            return State.SKIPPED  # verified, exempted or unmuted in time
        member = await self._still_gmbots(action, held.until_date)
        if member is None:
            return State.SKIPPED  # banned, removed, restricted or unmuted by someone else
        state = await self._remove(action.group_id, action.user_id, member)
        if state is State.DONE:
            await self._tell_removed(action, payload.notice)
        return state

    async def _tell_removed(self, action: Action, notice: WarningSpec | None) -> None:
        """Tells a removed member in private why, with the channels' buttons. Telegram lets the
        bot write only to someone who started it: anyone else's 403 is expected, not a
        failure. (A message of enforcement's waits behind every punishment and check.)"""
        if notice is None:
            return
        text, keyboard = removal_notice(notice)
        try:
            await self._telegram.send(action.user_id, text, keyboard)
        except Permanent as refused:
            log.info("removal not explained: the member cannot be written to", error=str(refused))

    async def ban(self, action: Action, payload: Ban) -> State:
        await self._telegram.ban(action.group_id, action.user_id, payload.until)
        return State.DONE

    async def unban(self, action: Action) -> State:
        await self._telegram.unban(action.group_id, action.user_id)
        return State.DONE

    async def ban_sender_chat(self, action: Action, payload: BanSenderChat) -> State:
        if payload.message_id:
            await self._deletions.delete(action.group_id, payload.message_id)
        if payload.ban:
            await self._telegram.ban_sender_chat(action.group_id, payload.sender_chat_id)
        return State.DONE

    async def _join_request(self, action: Action, state: str) -> None:
        await self._ledger.step(
            lambda stores: stores.join_requests.record(action.group_id, action.user_id, state)
        )

    async def join_request(self, action: Action, payload: DecideJoinRequest) -> State:
        try:
            if payload.decision is JoinDecision.APPROVE:
                await self._telegram.approve(action.group_id, action.user_id)
            elif payload.decision is JoinDecision.DECLINE:
                if payload.only_if_waiting and not await self._waiting(action):
                    return State.SKIPPED
                await self._telegram.decline(action.group_id, action.user_id)
            else:
                return await self._wait(action, payload)
        except Permanent as refused:
            if "HIDE_REQUESTER_MISSING" in str(refused):
                await self._join_request(action, "gone")
                return State.SKIPPED  # already decided, or expired
            raise
        await self._join_request(action, f"{payload.decision.value}d")
        return State.DONE

    async def _waiting(self, action: Action) -> bool:
        groups = await self._ledger.step(
            lambda stores: stores.join_requests.waiting_groups(action.user_id)
        )
        return action.group_id in groups

    async def _wait(self, action: Action, payload: DecideJoinRequest) -> State:
        async def record(stores: Stores) -> None:
            await stores.join_requests.record(action.group_id, action.user_id, "waiting")
            await schedule(
                stores,
                NewAction(
                    f"expire-request:{action.group_id}:{action.user_id}:{action.action_id}",
                    action.group_id,
                    action.user_id,
                    "request_expired",
                    DecideJoinRequest(JoinDecision.DECLINE, only_if_waiting=True),
                    delay=JOIN_REQUEST_SECONDS,
                ),
            )

        await self._ledger.step(record)
        text, keyboard = request_notice(
            payload.notice or WarningSpec(), action.group_id, action.user_id, self._key
        )
        # The requester may not be reachable any more; the request still waits.
        with contextlib.suppress(Permanent):
            await self._telegram.send(payload.user_chat_id, text, keyboard)
        return State.DONE

    async def expire_warning(self, action: Action, payload: ExpireWarning) -> State:
        await self._telegram.delete(action.group_id, [payload.message_id])
        await self._ledger.step(
            lambda stores: stores.warnings.forget_message(action.group_id, payload.message_id)
        )
        return State.DONE

    async def observe_digest(self, action: Action, payload: ObserveDigest) -> State:
        """Tells the owner (the action's user) what observe mode saw in the group during the
        period: how many members GMBot would have muted, and the channels they lack."""
        since = datetime.fromtimestamp(payload.since, UTC)
        until = datetime.fromtimestamp(payload.until, UTC)
        observed = await self._ledger.step(
            lambda stores: stores.stats.observed_since(action.group_id, since, until)
        )
        if not observed:
            return State.SKIPPED
        text = observe_digest(payload.language, payload.group_title, observed)
        keyboard = go_live_keyboard(payload.language, action.group_id)
        try:
            await self._telegram.send(action.user_id, text, keyboard)
        except Permanent:
            return State.SKIPPED  # the owner never started the bot, or blocked it
        return State.DONE

    async def renew_mute(self, action: Action, payload: RenewMute) -> State:
        """Still unverified: the mute is extended, so it never outlives GMBot by accident."""
        held = await self._restriction(action)
        if held is None or not held.active or held.until_date != payload.until:
            return State.SKIPPED
        if await self._released_since(action):
            return State.SKIPPED
        if await self._still_gmbots(action, held.until_date) is None:
            return State.SKIPPED  # someone else's ban or restriction is not GMBot's to renew
        return State.DONE if await self._mute(action) else State.SKIPPED
