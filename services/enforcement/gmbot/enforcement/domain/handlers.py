"""What each kind of action does in Telegram: a handler per kind, each step in its own
transaction of the ledger (a follow-up GMBot schedules for itself is recorded in the transaction
of the step it follows), so that a step can run twice without doing its effect twice.

Other people's actions win: a renewal or a scheduled kick first reads the member from Telegram,
and when the mute there is not GMBot's any more, GMBot's record ends and Telegram is not
touched (removals.py, releases.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_never

from gmbot.enforcement.domain.action_log import ActionLog
from gmbot.enforcement.domain.actions import (
    Action,
    Ban,
    BanSenderChat,
    DecideJoinRequest,
    Enforce,
    ExpireWarning,
    Kick,
    LogMessage,
    ObserveDigest,
    Permanent,
    Release,
    ReleaseGroup,
    RenewMute,
    State,
    Unban,
)
from gmbot.enforcement.domain.deletions import DeletionBatches
from gmbot.enforcement.domain.join_requests import JoinRequests
from gmbot.enforcement.domain.live_warnings import LiveWarnings
from gmbot.enforcement.domain.ports import Ledger, TelegramActions
from gmbot.enforcement.domain.releases import Releases
from gmbot.enforcement.domain.removals import Removals
from gmbot.enforcement.domain.slots import Slot, Unbounded
from gmbot.enforcement.domain.texts import go_live_keyboard, observe_digest
from gmbot.enforcement.domain.violations import Violations


class ActionHandlers:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        warnings: LiveWarnings,
        deletions: DeletionBatches,
        mute_seconds: float,
        signing_key: bytes,
        action_log: ActionLog,
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._deletions = deletions
        self._releases = Releases(telegram, ledger, action_log)
        self._removals = Removals(telegram, ledger, warnings.links, action_log)
        self._violations = Violations(
            telegram,
            ledger,
            warnings,
            deletions,
            self._releases,
            self._removals,
            mute_seconds,
            action_log,
        )
        self._join_requests = JoinRequests(
            telegram, ledger, signing_key, warnings.links, action_log
        )
        self._log = action_log

    async def carry_out(self, action: Action, slot: Slot | None = None) -> State:
        match action.payload:
            case Enforce() as payload:
                return await self._violations.enforce(action, payload, slot or Unbounded())
            case Release() as payload:
                return await self._releases.release(action, payload)
            case ReleaseGroup() as payload:
                return await self._releases.release_group(action, payload)
            case Kick() as payload:
                return await self._removals.kick(action, payload)
            case Ban() as payload:
                return await self.ban(action, payload)
            case Unban():
                return await self.unban(action)
            case BanSenderChat() as payload:
                return await self.ban_sender_chat(action, payload)
            case DecideJoinRequest() as payload:
                return await self._join_requests.decide(action, payload)
            case ExpireWarning() as payload:
                return await self.expire_warning(action, payload)
            case RenewMute() as payload:
                return await self._violations.renew(action, payload)
            case ObserveDigest() as payload:
                return await self.observe_digest(action, payload)
            case LogMessage() as payload:
                return await self._log.send(action, payload, slot or Unbounded())
            case unknown:
                assert_never(unknown)

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
