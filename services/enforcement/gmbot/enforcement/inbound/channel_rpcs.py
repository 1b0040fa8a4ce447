"""The servicer's RPCs over channels' invite links, join requests and approval consents: they
translate, and the domain (invite_links.py, channel_requests.py) holds the transactions."""

from __future__ import annotations

from typing import Any

import grpc

from gmbot.enforcement.domain import channel_requests as requests_in_channels
from gmbot.enforcement.domain.channel_requests import Consent
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.ports import Ledger
from gmbot.enforcement.inbound import requests
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import check_supergroup_id, check_user_id
from gmbot.v1 import enforcement_pb2 as pb

Context = grpc.aio.ServicerContext[Any, Any]
MAX_LINK = 255


def _consent(consent: Consent | None) -> pb.JoinConsent:
    if consent is None:
        return pb.JoinConsent()
    return pb.JoinConsent(
        active=consent.active,
        user_id=consent.user_id,
        consented_at=int(consent.consented_at.timestamp()),
        withdrawn_by=consent.withdrawn_by or 0,
        withdrawn_at=int(consent.withdrawn_at.timestamp()) if consent.withdrawn_at else 0,
    )


def _member(channel_id: int, user_id: int) -> None:
    check_supergroup_id(channel_id, "channel_id")
    check_user_id(user_id, "user_id")


class ChannelRpcs:
    _ledger: Ledger
    _links: InviteLinks

    async def CreateInviteLink(
        self, request: pb.CreateInviteLinkRequest, context: Context
    ) -> pb.CreateInviteLinkResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        check_supergroup_id(request.group_id, "group_id")
        kept = await self._links.link(
            request.channel_id, request.group_id, approval=request.creates_join_request
        )
        return pb.CreateInviteLinkResponse(
            invite_link=kept.link, creates_join_request=kept.creates_join_request
        )

    async def RecordChannelRequest(
        self, request: pb.RecordChannelRequestRequest, context: Context
    ) -> pb.RecordChannelRequestResponse:
        _member(request.channel_id, request.user_id)
        link = requests.text(request.invite_link, "invite_link")
        if len(link) > MAX_LINK:
            raise InvalidArgument(f"invite_link must be at most {MAX_LINK} characters")
        group_id, consent = await requests_in_channels.record_request(
            self._ledger, request.channel_id, request.user_id, link
        )
        return pb.RecordChannelRequestResponse(group_id=group_id, consent=_consent(consent))

    async def EndChannelRequest(
        self, request: pb.EndChannelRequestRequest, context: Context
    ) -> pb.EndChannelRequestResponse:
        _member(request.channel_id, request.user_id)
        was = await requests_in_channels.request_over(
            self._ledger, request.channel_id, request.user_id
        )
        return pb.EndChannelRequestResponse(was_pending=was)

    async def ListPendingChannelRequests(
        self, request: pb.ListPendingChannelRequestsRequest, context: Context
    ) -> pb.ListPendingChannelRequestsResponse:
        check_user_id(request.user_id, "user_id")
        channels = await requests_in_channels.pending_channels(self._ledger, request.user_id)
        return pb.ListPendingChannelRequestsResponse(channel_ids=channels)

    async def SetJoinConsent(
        self, request: pb.SetJoinConsentRequest, context: Context
    ) -> pb.SetJoinConsentResponse:
        _member(request.channel_id, request.user_id)
        consent = await requests_in_channels.set_consent(
            self._ledger, request.channel_id, request.user_id, request.given
        )
        return pb.SetJoinConsentResponse(consent=_consent(consent))

    async def GetJoinConsent(
        self, request: pb.GetJoinConsentRequest, context: Context
    ) -> pb.GetJoinConsentResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        consent = await requests_in_channels.consent_of(self._ledger, request.channel_id)
        return pb.GetJoinConsentResponse(consent=_consent(consent))
