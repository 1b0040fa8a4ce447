"""Enforcement as the flows call it: one method per action or question, which builds the request,
takes the channel's deadline and turns a failure into the gateway's errors (clients.backends).
Every action carries the caller's idempotency key: the same key twice is one action."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from gmbot.gateway.clients.backends import call
from gmbot.gateway.clients.group_stats import GroupStats, stats_from
from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub


class Reason(IntEnum):
    """Why GMBot acts on a member (the ledger keeps it); numbered as the contract's."""

    NOT_SUBSCRIBED = pb.ACTION_REASON_NOT_SUBSCRIBED
    JOINED_UNVERIFIED = pb.ACTION_REASON_JOINED_UNVERIFIED
    LEFT_CHANNEL = pb.ACTION_REASON_LEFT_CHANNEL
    SENDER_CHAT = pb.ACTION_REASON_SENDER_CHAT
    VERIFICATION_TIMEOUT = pb.ACTION_REASON_VERIFICATION_TIMEOUT
    VERIFIED = pb.ACTION_REASON_VERIFIED
    MANUAL = pb.ACTION_REASON_MANUAL
    REQUEST_EXPIRED = pb.ACTION_REASON_REQUEST_EXPIRED
    JOINED_CHANNEL = pb.ACTION_REASON_JOINED_CHANNEL
    UNMUTED_BY_ADMIN = pb.ACTION_REASON_UNMUTED_BY_ADMIN
    EXEMPTED = pb.ACTION_REASON_EXEMPTED
    UNPROTECTED = pb.ACTION_REASON_UNPROTECTED
    SUSPENDED = pb.ACTION_REASON_SUSPENDED
    LIFTED_BY_ADMIN = pb.ACTION_REASON_LIFTED_BY_ADMIN
    OVERRULED = pb.ACTION_REASON_OVERRULED


class MemberAction(IntEnum):
    MUTE = pb.MEMBER_ACTION_MUTE
    KICK = pb.MEMBER_ACTION_KICK
    DELETE_ONLY = pb.MEMBER_ACTION_DELETE_ONLY


class JoinDecision(IntEnum):
    APPROVE = pb.JOIN_DECISION_APPROVE
    DECLINE = pb.JOIN_DECISION_DECLINE
    # Neither yet: the requester is told what to join, and approved once they have.
    WAIT = pb.JOIN_DECISION_WAIT


@dataclass(frozen=True)
class JoinButton:
    text: str
    url: str


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


@dataclass(frozen=True)
class Observation:
    """Record the action, never carry it out (observe mode); each recipient's digest tells of
    it."""

    digest_user_ids: tuple[int, ...]
    language: str
    group_title: str


@dataclass(frozen=True)
class Restriction:
    user_id: int
    display_name: str
    # None: a reason this gateway does not know yet.
    reason: Reason | None
    # Unix seconds.
    since: int


@dataclass(frozen=True)
class RestrictionsPage:
    restrictions: tuple[Restriction, ...]
    # How many GMBot restricts in the group, over every page.
    total: int


def _reason(value: int) -> Reason | None:
    return Reason(value) if value in Reason._value2member_map_ else None


def _warning(warning: MemberWarning | None) -> pb.WarningSpec | None:
    if warning is None:
        return None
    return pb.WarningSpec(
        language=warning.language,
        custom_text=warning.custom_text,
        user_display_name=warning.user_display_name,
        group_title=warning.group_title,
        join_buttons=[pb.JoinButton(text=b.text, url=b.url) for b in warning.join_buttons],
        ttl_seconds=warning.ttl_seconds,
        message_thread_id=warning.message_thread_id,
        reply_to_message_id=warning.reply_to_message_id,
        private_view_url=warning.private_view_url,
    )


def _observation(observe: Observation | None) -> pb.Observation | None:
    if observe is None:
        return None
    recipients = observe.digest_user_ids
    return pb.Observation(
        # The first (the owner) in the field 0.1.0 reads too: during a rolling upgrade an old
        # enforcement replica still sends the owner's digest; a new one counts them once.
        digest_user_id=recipients[0] if recipients else 0,
        digest_user_ids=recipients,
        language=observe.language,
        group_title=observe.group_title,
    )


@dataclass(frozen=True)
class RestrictedGroups:
    """Where GMBot holds a user: restricted, or their join request waiting."""

    group_ids: tuple[int, ...]
    pending_join_request_group_ids: tuple[int, ...]


class EnforcementClient:
    def __init__(self, stub: EnforcementServiceAsyncStub) -> None:
        self._stub = stub

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
        request = pb.EnforceRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            reason=pb.ActionReason.ValueType(reason),
            action=pb.MemberAction.ValueType(action),
            message_id=message_id,
            warning=_warning(warning),
            kick_after_minutes=kick_after_minutes,
            observe=_observation(observe),
        )
        await call("enforcement", self._stub.Enforce(request))

    async def release(self, key: str, group_id: int, user_id: int, reason: Reason) -> None:
        request = pb.ReleaseRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            reason=pb.ActionReason.ValueType(reason),
        )
        await call("enforcement", self._stub.Release(request))

    async def release_group(self, key: str, group_id: int, reason: Reason) -> None:
        """Lifts every restriction GMBot holds in the group."""
        request = pb.ReleaseGroupRequest(
            idempotency_key=key, group_id=group_id, reason=pb.ActionReason.ValueType(reason)
        )
        await call("enforcement", self._stub.ReleaseGroup(request))

    async def unban(self, key: str, group_id: int, user_id: int, reason: Reason) -> None:
        request = pb.UnbanRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            reason=pb.ActionReason.ValueType(reason),
        )
        await call("enforcement", self._stub.Unban(request))

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
            observe=_observation(observe),
        )
        await call("enforcement", self._stub.BanSenderChat(request))

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
        request = pb.DecideJoinRequestRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            decision=pb.JoinDecision.ValueType(decision),
            reason=pb.ActionReason.ValueType(reason),
            user_chat_id=user_chat_id,
            notice=_warning(notice),
            observe=_observation(observe),
        )
        await call("enforcement", self._stub.DecideJoinRequest(request))

    async def approve_join_request(self, key: str, group_id: int, user_id: int) -> None:
        """Lets in a requester who now follows every channel."""
        await self.decide_join_request(
            key, group_id, user_id, JoinDecision.APPROVE, Reason.VERIFIED
        )

    async def create_invite_link(self, channel_id: int, group_id: int) -> str:
        """A link to the channel that attributes joins to the group."""
        request = pb.CreateInviteLinkRequest(channel_id=channel_id, group_id=group_id)
        return (await call("enforcement", self._stub.CreateInviteLink(request))).invite_link

    async def record_channel_join(self, channel_id: int, user_id: int, invite_link: str) -> int:
        """The group whose link the user joined the channel by (0: none of GMBot's)."""
        request = pb.RecordChannelJoinRequest(
            channel_id=channel_id, user_id=user_id, invite_link=invite_link
        )
        return int((await call("enforcement", self._stub.RecordChannelJoin(request))).group_id)

    async def restricted_groups(self, user_id: int) -> RestrictedGroups:
        request = pb.ListRestrictedGroupsRequest(user_id=user_id)
        answer = await call("enforcement", self._stub.ListRestrictedGroups(request))
        return RestrictedGroups(
            tuple(answer.group_ids), tuple(answer.pending_join_request_group_ids)
        )

    async def group_restrictions(
        self, group_id: int, offset: int = 0, limit: int = 0
    ) -> RestrictionsPage:
        """A page of who GMBot restricts in the group, and how many in all."""
        request = pb.ListGroupRestrictionsRequest(group_id=group_id, offset=offset, limit=limit)
        answer = await call("enforcement", self._stub.ListGroupRestrictions(request))
        return RestrictionsPage(
            tuple(
                Restriction(r.user_id, r.display_name, _reason(r.reason), r.since.seconds)
                for r in answer.restrictions
            ),
            answer.total,
        )

    async def recent_actions(self, group_id: int, limit: int) -> list[pb.ActionRecord]:
        request = pb.ListRecentActionsRequest(group_id=group_id, limit=limit)
        return list((await call("enforcement", self._stub.ListRecentActions(request))).actions)

    async def group_stats(self, group_id: int) -> GroupStats:
        request = pb.GetGroupStatsRequest(group_id=group_id)
        return stats_from(await call("enforcement", self._stub.GetGroupStats(request)))
