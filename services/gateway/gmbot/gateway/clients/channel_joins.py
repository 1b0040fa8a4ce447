"""Enforcement as the flows call it about channels: GMBot's invite links, the joins and join
requests they bring, and channel administrators' consent to GMBot's approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gmbot.gateway.clients.backends import call
from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub


@dataclass(frozen=True)
class JoinConsent:
    """A channel administrator's consent to GMBot's approvals (user 0: never given)."""

    active: bool
    user_id: int = 0
    consented_at: datetime | None = None
    withdrawn_by: int = 0


@dataclass(frozen=True)
class ChannelRequest:
    # The group whose GMBot link the request came by; 0 for none.
    group_id: int
    consent: JoinConsent


def _consent(message: pb.JoinConsent) -> JoinConsent:
    return JoinConsent(
        message.active,
        message.user_id,
        datetime.fromtimestamp(message.consented_at, UTC) if message.consented_at else None,
        message.withdrawn_by,
    )


class ChannelJoinsClient:
    def __init__(self, stub: EnforcementServiceAsyncStub) -> None:
        self._stub = stub

    async def invite_link(self, channel_id: int, group_id: int, approval: bool = False) -> str:
        """A link to the channel that attributes joins to the group; `approval`: the owner says
        the channel approves joins."""
        request = pb.CreateInviteLinkRequest(
            channel_id=channel_id, group_id=group_id, creates_join_request=approval
        )
        return (await call("enforcement", self._stub.CreateInviteLink(request))).invite_link

    async def record_join(
        self, channel_id: int, user_id: int, invite_link: str, revoked: bool = False
    ) -> int:
        """The group whose link the user joined the channel by (0: none of GMBot's)."""
        request = pb.RecordChannelJoinRequest(
            channel_id=channel_id,
            user_id=user_id,
            invite_link=invite_link,
            invite_link_revoked=revoked,
        )
        return int((await call("enforcement", self._stub.RecordChannelJoin(request))).group_id)

    async def record_request(
        self, channel_id: int, user_id: int, invite_link: str
    ) -> ChannelRequest:
        request = pb.RecordChannelRequestRequest(
            channel_id=channel_id, user_id=user_id, invite_link=invite_link
        )
        answer = await call("enforcement", self._stub.RecordChannelRequest(request))
        return ChannelRequest(answer.group_id, _consent(answer.consent))

    async def end_request(self, channel_id: int, user_id: int) -> bool:
        request = pb.EndChannelRequestRequest(channel_id=channel_id, user_id=user_id)
        return (await call("enforcement", self._stub.EndChannelRequest(request))).was_pending

    async def pending_channels(self, user_id: int) -> frozenset[int]:
        request = pb.ListPendingChannelRequestsRequest(user_id=user_id)
        answer = await call("enforcement", self._stub.ListPendingChannelRequests(request))
        return frozenset(answer.channel_ids)

    async def set_consent(self, channel_id: int, user_id: int, given: bool) -> JoinConsent:
        request = pb.SetJoinConsentRequest(channel_id=channel_id, user_id=user_id, given=given)
        return _consent((await call("enforcement", self._stub.SetJoinConsent(request))).consent)

    async def consent(self, channel_id: int) -> JoinConsent:
        request = pb.GetJoinConsentRequest(channel_id=channel_id)
        return _consent((await call("enforcement", self._stub.GetJoinConsent(request))).consent)
