"""Enforcement as the flows call it: one method per action or question, which builds the request,
takes the channel's deadline and turns a failure into the gateway's errors (clients.backends).
Every action carries the caller's idempotency key: the same key twice is one action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from gmbot.gateway.clients.backends import call
from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub

Reason: TypeAlias = "pb.ActionReason.ValueType"


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
        action: pb.MemberAction.ValueType,
        *,
        message_id: int = 0,
        warning: pb.WarningSpec | None = None,
        kick_after_minutes: int = 0,
        observe: pb.Observation | None = None,
    ) -> None:
        """Acts on a member (delete the message, mute, kick ...) and warns them."""
        request = pb.EnforceRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            reason=reason,
            action=action,
            message_id=message_id,
            warning=warning,
            kick_after_minutes=kick_after_minutes,
            observe=observe,
        )
        await call("enforcement", self._stub.Enforce(request))

    async def release(self, key: str, group_id: int, user_id: int, reason: Reason) -> None:
        request = pb.ReleaseRequest(
            idempotency_key=key, group_id=group_id, user_id=user_id, reason=reason
        )
        await call("enforcement", self._stub.Release(request))

    async def release_group(self, key: str, group_id: int, reason: Reason) -> None:
        """Lifts every restriction GMBot holds in the group."""
        request = pb.ReleaseGroupRequest(idempotency_key=key, group_id=group_id, reason=reason)
        await call("enforcement", self._stub.ReleaseGroup(request))

    async def unban(self, key: str, group_id: int, user_id: int, reason: Reason) -> None:
        request = pb.UnbanRequest(
            idempotency_key=key, group_id=group_id, user_id=user_id, reason=reason
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
        observe: pb.Observation | None = None,
    ) -> None:
        """Deletes a message sent as a chat, and bans the chat when `ban`."""
        request = pb.BanSenderChatRequest(
            idempotency_key=key,
            group_id=group_id,
            sender_chat_id=sender_chat_id,
            message_id=message_id,
            ban=ban,
            observe=observe,
        )
        await call("enforcement", self._stub.BanSenderChat(request))

    async def decide_join_request(
        self,
        key: str,
        group_id: int,
        user_id: int,
        decision: pb.JoinDecision.ValueType,
        reason: Reason,
        *,
        user_chat_id: int = 0,
        notice: pb.WarningSpec | None = None,
        observe: pb.Observation | None = None,
    ) -> None:
        request = pb.DecideJoinRequestRequest(
            idempotency_key=key,
            group_id=group_id,
            user_id=user_id,
            decision=decision,
            reason=reason,
            user_chat_id=user_chat_id,
            notice=notice,
            observe=observe,
        )
        await call("enforcement", self._stub.DecideJoinRequest(request))

    async def approve_join_request(self, key: str, group_id: int, user_id: int) -> None:
        """Lets in a requester who now follows every channel."""
        await self.decide_join_request(
            key, group_id, user_id, pb.JOIN_DECISION_APPROVE, pb.ACTION_REASON_VERIFIED
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
    ) -> pb.ListGroupRestrictionsResponse:
        """A page of who GMBot restricts in the group, and how many in all."""
        request = pb.ListGroupRestrictionsRequest(group_id=group_id, offset=offset, limit=limit)
        return await call("enforcement", self._stub.ListGroupRestrictions(request))

    async def recent_actions(self, group_id: int, limit: int) -> list[pb.ActionRecord]:
        request = pb.ListRecentActionsRequest(group_id=group_id, limit=limit)
        return list((await call("enforcement", self._stub.ListRecentActions(request))).actions)

    async def group_stats(self, group_id: int) -> pb.GetGroupStatsResponse:
        request = pb.GetGroupStatsRequest(group_id=group_id)
        return await call("enforcement", self._stub.GetGroupStats(request))
