"""Membership as the flows call it: one method per question or record, which builds the request,
takes a deadline (the channel's, or the caller's where a decision waits on it) and turns a
failure into the gateway's errors (clients.backends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.gateway.clients.backends import call
from gmbot.v1 import membership_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub


class MembershipClient:
    def __init__(self, stub: MembershipServiceAsyncStub) -> None:
        self._stub = stub

    async def administrators(
        self, chat_id: int, *, fresh: bool = False
    ) -> pb.GetChatAdministratorsResponse:
        """The chat's administrators with their rights, and where the list came from; `fresh`
        asks Telegram now (for a check that grants power)."""
        request = pb.GetChatAdministratorsRequest(chat_id=chat_id, fresh=fresh)
        return await call("membership", self._stub.GetChatAdministrators(request))

    async def check(
        self, user_id: int, channel_ids: Iterable[int], *, fresh: bool, wait_seconds: float
    ) -> list[pb.ChannelMembership]:
        """Whether the user is in each channel; the decision waits `wait_seconds` at most."""
        request = pb.CheckMembershipRequest(user_id=user_id, channel_ids=channel_ids, fresh=fresh)
        answer = await call("membership", self._stub.CheckMembership(request, timeout=wait_seconds))
        return list(answer.channels)

    async def user_groups(self, user_id: int) -> list[int]:
        """The groups the user was seen in."""
        request = pb.ListUserGroupsRequest(user_id=user_id)
        return list((await call("membership", self._stub.ListUserGroups(request))).group_ids)

    async def administered_groups(self, user_id: int) -> list[int]:
        """The groups whose administrator list, as membership holds it, names the user."""
        request = pb.ListAdministeredGroupsRequest(user_id=user_id)
        answer = await call("membership", self._stub.ListAdministeredGroups(request))
        return list(answer.group_ids)

    async def record_chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        old_status: pb.ChatMemberStatus.ValueType,
        new_status: pb.ChatMemberStatus.ValueType,
        *,
        is_member: bool,
        date: datetime,
    ) -> pb.RecordChatMemberUpdateResponse:
        stamp = Timestamp()
        stamp.FromDatetime(date)
        request = pb.RecordChatMemberUpdateRequest(
            chat_id=chat_id,
            user_id=user_id,
            old_status=old_status,
            new_status=new_status,
            is_member=is_member,
            date=stamp,
        )
        return await call("membership", self._stub.RecordChatMemberUpdate(request))
