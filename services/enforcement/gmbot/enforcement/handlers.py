"""What each kind of action does in Telegram, step by step. Every step can run twice (a worker
may die after it) without doing its effect twice: deleted stays deleted, a restriction is set,
not added, and a live warning is refreshed rather than sent again."""

from __future__ import annotations

import contextlib
import time
from typing import assert_never

from aiogram.types import ChatMemberRestricted

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
    Permanent,
    Release,
    RenewMute,
    State,
    Unban,
    WarningSpec,
)
from gmbot.enforcement.desk import Schedule, WarningDesk, notice_for_texts
from gmbot.enforcement.ledger import Ledger
from gmbot.enforcement.telegram import TelegramActions
from gmbot.enforcement.texts import Warned, request_notice

# Renew a mute this long before it would end.
RENEW_BEFORE = 12 * 3600
# Telegram drops a join request after a day.
JOIN_REQUEST_SECONDS = 24 * 3600


class Handlers:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        desk: WarningDesk,
        schedule: Schedule,
        mute_seconds: float,
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._desk = desk
        self._schedule = schedule
        self._mute_seconds = mute_seconds

    async def carry_out(self, action: Action) -> State:
        match action.payload:
            case Enforce() as payload:
                return await self.enforce(action, payload)
            case Release():
                return await self.release(action)
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
            case unknown:
                assert_never(unknown)

    async def _mute(self, action: Action) -> None:
        until = int(time.time() + self._mute_seconds)
        await self._telegram.mute(action.group_id, action.user_id, until)
        await self._ledger.impose(action.group_id, action.user_id, until, action.reason)
        await self._schedule(
            NewAction(
                f"renew:{action.group_id}:{action.user_id}:{until}",
                action.group_id,
                action.user_id,
                action.reason,
                RenewMute(until),
                delay=max(1.0, until - time.time() - RENEW_BEFORE),
            )
        )

    async def _muted_before(self, action: Action) -> bool:
        """A second run of an action (its worker died) does not mute again what the first did."""
        if action.attempts <= 1:
            return False
        held = await self._ledger.restriction(action.group_id, action.user_id)
        return held is not None and held.active

    async def enforce(self, action: Action, payload: Enforce) -> State:
        """Deletion and the mute first (they protect the group), the warning after."""
        if payload.message_id:
            await self._telegram.delete(action.group_id, [payload.message_id])
        if payload.action is MemberAction.MUTE and not await self._muted_before(action):
            await self._mute(action)
            if payload.kick_after_minutes:
                await self._schedule(
                    NewAction(
                        f"kick-unverified:{action.action_id}",
                        action.group_id,
                        action.user_id,
                        "verification_timeout",
                        Kick(only_if_restricted=True),
                        delay=float(payload.kick_after_minutes) * 60,
                    )
                )
        elif payload.action is MemberAction.KICK:
            await self._remove(action.group_id, action.user_id)
        if payload.warning is not None and payload.action is not MemberAction.KICK:
            member = Warned(action.user_id, payload.warning.user_display_name)
            message_id = await self._desk.warn(action.group_id, member, payload.warning)
            await self._ledger.set_warning(action.action_id, message_id)
        return State.DONE

    async def release(self, action: Action) -> State:
        """Lifts only what GMBot imposed: a member someone else restricted stays restricted."""
        held = await self._ledger.restriction(action.group_id, action.user_id)
        warning = await self._ledger.warning(action.group_id, action.user_id)
        if warning is not None:
            if not await self._ledger.others_on_warning(
                action.group_id, warning.message_id, action.user_id
            ):
                await self._telegram.delete(action.group_id, [warning.message_id])
            await self._ledger.unwarn(action.group_id, action.user_id)
        if held is None or not held.active:
            return State.SKIPPED
        member = await self._telegram.member(action.group_id, action.user_id)
        ours = isinstance(member, ChatMemberRestricted) and (
            member.until_date is None
            or abs(int(member.until_date.timestamp()) - held.until_date) <= 2
        )
        if ours and not member.can_send_messages:
            await self._telegram.unmute(action.group_id, action.user_id)
        await self._ledger.lift(action.group_id, action.user_id)
        return State.DONE if ours else State.SKIPPED

    async def _remove(self, group_id: int, user_id: int) -> None:
        await self._telegram.ban(group_id, user_id)
        await self._telegram.unban(group_id, user_id)  # removed, free to come back
        await self._ledger.lift(group_id, user_id)

    async def kick(self, action: Action, payload: Kick) -> State:
        if payload.only_if_restricted:
            held = await self._ledger.restriction(action.group_id, action.user_id)
            if held is None or not held.active:
                return State.SKIPPED  # verified in time
        await self._remove(action.group_id, action.user_id)
        return State.DONE

    async def ban(self, action: Action, payload: Ban) -> State:
        await self._telegram.ban(action.group_id, action.user_id, payload.until)
        return State.DONE

    async def unban(self, action: Action) -> State:
        await self._telegram.unban(action.group_id, action.user_id)
        return State.DONE

    async def ban_sender_chat(self, action: Action, payload: BanSenderChat) -> State:
        if payload.message_id:
            await self._telegram.delete(action.group_id, [payload.message_id])
        if payload.ban:
            await self._telegram.ban_sender_chat(action.group_id, payload.sender_chat_id)
        return State.DONE

    async def join_request(self, action: Action, payload: DecideJoinRequest) -> State:
        try:
            if payload.decision is JoinDecision.APPROVE:
                await self._telegram.approve(action.group_id, action.user_id)
            elif payload.decision is JoinDecision.DECLINE:
                if payload.only_if_waiting and action.user_id not in await self._waiting_users(
                    action
                ):
                    return State.SKIPPED
                await self._telegram.decline(action.group_id, action.user_id)
            else:
                return await self._wait(action, payload)
        except Permanent as refused:
            if "HIDE_REQUESTER_MISSING" in str(refused):
                await self._ledger.join_request(action.group_id, action.user_id, "gone")
                return State.SKIPPED  # already decided, or expired
            raise
        await self._ledger.join_request(
            action.group_id, action.user_id, f"{payload.decision.value}d"
        )
        return State.DONE

    async def _waiting_users(self, action: Action) -> list[int]:
        groups = await self._ledger.waiting_join_requests(action.user_id)
        return [action.user_id] if action.group_id in groups else []

    async def _wait(self, action: Action, payload: DecideJoinRequest) -> State:
        await self._ledger.join_request(action.group_id, action.user_id, "waiting")
        text, keyboard = request_notice(notice_for_texts(payload.notice or WarningSpec()))
        # The requester may not be reachable any more; the request still waits.
        with contextlib.suppress(Permanent):
            await self._telegram.send(payload.user_chat_id, text, keyboard)
        await self._schedule(
            NewAction(
                f"expire-request:{action.group_id}:{action.user_id}:{action.action_id}",
                action.group_id,
                action.user_id,
                "request_expired",
                DecideJoinRequest(JoinDecision.DECLINE, only_if_waiting=True),
                delay=JOIN_REQUEST_SECONDS,
            )
        )
        return State.DONE

    async def expire_warning(self, action: Action, payload: ExpireWarning) -> State:
        await self._telegram.delete(action.group_id, [payload.message_id])
        await self._ledger.forget_warning(action.group_id, payload.message_id)
        return State.DONE

    async def renew_mute(self, action: Action, payload: RenewMute) -> State:
        """Still unverified: the mute is extended, so it never outlives GMBot by accident."""
        held = await self._ledger.restriction(action.group_id, action.user_id)
        if held is None or not held.active or held.until_date != payload.until:
            return State.SKIPPED
        await self._mute(action)
        return State.DONE
