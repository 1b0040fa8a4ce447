"""Enforcement as the flows call it: one method per action or question, which builds the request,
takes the channel's deadline and turns a failure into the gateway's errors (clients.backends).
Every action carries the caller's idempotency key: the same key twice is one action."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from gmbot.gateway.clients.backends import call
from gmbot.gateway.clients.enforcement_requests import observation, on_member, warning_spec
from gmbot.gateway.clients.ledger_reads import LedgerReads
from gmbot.gateway.clients.reasons import Reason as Reason  # the flows import it from here
from gmbot.v1 import enforcement_pb2 as pb

# How long an action's acceptance (made durable in the ledger) may take. In a raid it queues
# behind the others' in the ledger, past the default deadline of a read: given up then, the whole
# update was handled again from its checks on, and the retries kept the ledger busier still
# (a raid on PostgreSQL took 7.6 times its floor, with 1,886 updates handled again). The key
# makes a retry harmless; a shorter wait only makes it more likely.
ACCEPT_SECONDS = 15.0


class MemberAction(IntEnum):
    MUTE = pb.MEMBER_ACTION_MUTE
    KICK = pb.MEMBER_ACTION_KICK
    DELETE_ONLY = pb.MEMBER_ACTION_DELETE_ONLY


class JoinDecision(IntEnum):
    APPROVE = pb.JOIN_DECISION_APPROVE
    DECLINE = pb.JOIN_DECISION_DECLINE
    # Neither yet: the requester is told what to join, and approved once they have.
    WAIT = pb.JOIN_DECISION_WAIT


class LogLineMark(IntEnum):
    """What marking a log chat's line undone found."""

    MARKED = pb.LOG_LINE_MARK_MARKED
    # The line said so already.
    ALREADY = pb.LOG_LINE_MARK_ALREADY
    # No such line kept: only the button can say it.
    UNKNOWN = pb.LOG_LINE_MARK_UNKNOWN


@dataclass(frozen=True)
class JoinButton:
    text: str
    url: str
    # Set: enforcement puts GMBot's own link for (channel, group) in place of `url`.
    channel_id: int = 0
    creates_join_request: bool = False


@dataclass(frozen=True)
class MemberWarning:
    """The message a member (or a join requester, in private) is sent, with its join buttons."""

    language: str
    custom_text: str
    user_display_name: str
    group_title: str
    join_buttons: tuple[JoinButton, ...]
    ttl_seconds: int
    # The forum topic to warn in, the comment thread's root to answer (0: none).
    message_thread_id: int = 0
    reply_to_message_id: int = 0
    # The member's way out in private, under the warning.
    private_view_url: str = ""
    # The group's log chat, told of the action (0: none).
    log_chat_id: int = 0


@dataclass(frozen=True)
class Observation:
    """Record the action, never carry it out (observe mode); each recipient's digest tells of
    it."""

    digest_user_ids: tuple[int, ...]
    language: str
    group_title: str
    # Each recipient's own language, in the order of digest_user_ids ("": `language`).
    digest_languages: tuple[str, ...] = ()


class EnforcementClient(LedgerReads):
    async def enforce(
        self,
        key: str,
        group_id: int,
        user_id: int,
        reason: Reason,
        action: MemberAction,
        *,
        message_id: int = 0,
        warning: MemberWarning | None = None,
        kick_after_minutes: int = 0,
        observe: Observation | None = None,
    ) -> None:
        """Acts on a member (delete the message, mute, kick ...) and warns them."""
        request = on_member(
            pb.EnforceRequest,
            key,
            group_id,
            user_id,
            reason,
            action=pb.MemberAction.ValueType(action),
            message_id=message_id,
            warning=warning_spec(warning),
            kick_after_minutes=kick_after_minutes,
            observe=observation(observe),
        )
        await call("enforcement", self._stub.Enforce(request, timeout=ACCEPT_SECONDS))

    async def release(
        self,
        key: str,
        group_id: int,
        user_id: int,
        reason: Reason,
        *,
        log: MemberWarning | None = None,
    ) -> None:
        """`log`: the group's log chat (its log_chat_id) hears of a mute lifted."""
        spec = warning_spec(log)
        request = on_member(pb.ReleaseRequest, key, group_id, user_id, reason, log=spec)
        await call("enforcement", self._stub.Release(request, timeout=ACCEPT_SECONDS))

    async def release_group(self, key: str, group_id: int, reason: Reason) -> None:
        """Lifts every restriction GMBot holds in the group."""
        request = pb.ReleaseGroupRequest(
            idempotency_key=key, group_id=group_id, reason=pb.ActionReason.ValueType(reason)
        )
        await call("enforcement", self._stub.ReleaseGroup(request, timeout=ACCEPT_SECONDS))

    async def unban(self, key: str, group_id: int, user_id: int, reason: Reason) -> None:
        request = on_member(pb.UnbanRequest, key, group_id, user_id, reason)
        await call("enforcement", self._stub.Unban(request, timeout=ACCEPT_SECONDS))

    async def ban_sender_chat(
        self,
        key: str,
        group_id: int,
        sender_chat_id: int,
        message_id: int,
        *,
        ban: bool,
        observe: Observation | None = None,
    ) -> None:
        """Deletes a message sent as a chat, and bans the chat when `ban`."""
        request = pb.BanSenderChatRequest(
            idempotency_key=key,
            group_id=group_id,
            sender_chat_id=sender_chat_id,
            message_id=message_id,
            ban=ban,
            observe=observation(observe),
        )
        await call("enforcement", self._stub.BanSenderChat(request, timeout=ACCEPT_SECONDS))

    async def decide_join_request(
        self,
        key: str,
        group_id: int,
        user_id: int,
        decision: JoinDecision,
        reason: Reason,
        *,
        user_chat_id: int = 0,
        notice: MemberWarning | None = None,
        observe: Observation | None = None,
    ) -> None:
        request = on_member(
            pb.DecideJoinRequestRequest,
            key,
            group_id,
            user_id,
            reason,
            decision=pb.JoinDecision.ValueType(decision),
            user_chat_id=user_chat_id,
            notice=warning_spec(notice),
            observe=observation(observe),
        )
        await call("enforcement", self._stub.DecideJoinRequest(request, timeout=ACCEPT_SECONDS))

    async def approve_join_request(
        self, key: str, group_id: int, user_id: int, *, log: MemberWarning | None = None
    ) -> None:
        """Lets in a requester who now follows every channel (or, `group_id` a channel, whose
        request its administrators consented to approve: `log` tells the group's log chat)."""
        request = on_member(
            pb.DecideJoinRequestRequest,
            key,
            group_id,
            user_id,
            Reason.VERIFIED,
            decision=pb.JOIN_DECISION_APPROVE,
            log=warning_spec(log),
        )
        await call("enforcement", self._stub.DecideJoinRequest(request, timeout=ACCEPT_SECONDS))

    async def expire_message(self, chat_id: int, message_id: int, delay_seconds: int) -> None:
        """Enforcement deletes the bot's message `delay_seconds` from now (asked again while it
        waits: from then)."""
        request = pb.ExpireMessageRequest(
            chat_id=chat_id, message_id=message_id, delay_seconds=delay_seconds
        )
        await call("enforcement", self._stub.ExpireMessage(request))

    async def mark_log_undone(
        self, chat_id: int, message_id: int, group_id: int, user_id: int, undone_by: str
    ) -> LogLineMark:
        """The member's line in the log chat's message reads as undone by `undone_by` (empty:
        an anonymous administrator); enforcement draws the message again."""
        request = pb.MarkLogLineUndoneRequest(
            chat_id=chat_id,
            message_id=message_id,
            group_id=group_id,
            user_id=user_id,
            undone_by=undone_by,
        )
        answer = await call("enforcement", self._stub.MarkLogLineUndone(request))
        return LogLineMark(answer.mark or pb.LOG_LINE_MARK_UNKNOWN)

    async def record_channel_leave(self, channel_id: int, user_id: int) -> int:
        """How many of the user's joins through GMBot's links their leaving the channel ended."""
        request = pb.RecordChannelLeaveRequest(channel_id=channel_id, user_id=user_id)
        return (await call("enforcement", self._stub.RecordChannelLeave(request))).joins_ended
