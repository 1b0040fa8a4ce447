"""The MembershipService servicer: messages in, use cases, messages out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.membership.domain.answers import Answer, Status
from gmbot.membership.domain.checker import MembershipChecker
from gmbot.membership.domain.ports import SubscriberTooSlow
from gmbot.membership.domain.presence import Presence
from gmbot.membership.metrics import CHECK_SECONDS
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.statuses import STATUS_NAMES, STATUS_NUMBERS
from gmbot.runtime.timestamps import to_seconds, to_timestamp
from gmbot.v1 import membership_pb2 as pb
from gmbot.v1 import membership_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]


def _seconds(stamp: Timestamp, field: str) -> float:
    """A timestamp from a caller, in seconds; one protobuf calls invalid is the caller's error."""
    try:
        return to_seconds(stamp)
    except ValueError:
        raise InvalidArgument(
            f"{field} is not a valid timestamp (0001-01-01..9999-12-31, nanos 0..999999999)",
            field=field,
        ) from None


def answer_to_pb(channel_id: int, answer: Answer) -> pb.ChannelMembership:
    return pb.ChannelMembership(
        channel_id=channel_id,
        status=answer.status.value,
        source=answer.source.value,
        observed_at=to_timestamp(answer.observed_at),
        telegram_status=STATUS_NUMBERS.get(
            answer.telegram_status, pb.CHAT_MEMBER_STATUS_UNSPECIFIED
        ),
        unknown_reason=answer.reason,
    )


# Time kept back from the caller's deadline to send the answer.
_REPLY_MARGIN_SECONDS = 0.25


def _answer_within(context: Context) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None else remaining - _REPLY_MARGIN_SECONDS


class Changes(Protocol):
    """The change feed as the stream reads it (outbound/changes.py): `ready`, then every change;
    SubscriberTooSlow when the subscriber fell behind."""

    def subscribe(self) -> AsyncIterator[pb.MembershipChange]: ...


class MembershipServicer(membership_pb2_grpc.MembershipServiceServicer):
    def __init__(self, checker: MembershipChecker, presence: Presence, changes: Changes) -> None:
        self._checker = checker
        self._presence = presence
        self._changes = changes

    async def CheckMembership(
        self, request: pb.CheckMembershipRequest, context: Context
    ) -> pb.CheckMembershipResponse:
        channel_ids = list(request.channel_ids)
        with CHECK_SECONDS.labels(str(request.fresh).lower()).time():
            answers = await self._checker.check(
                request.user_id, channel_ids, request.fresh, _answer_within(context)
            )
        statuses = {a.status for a in answers}
        return pb.CheckMembershipResponse(
            channels=[answer_to_pb(c, a) for c, a in zip(channel_ids, answers, strict=True)],
            all_member=statuses == {Status.MEMBER},
            any_unknown=Status.UNKNOWN in statuses and Status.NOT_MEMBER not in statuses,
        )

    async def CheckMembershipBatch(
        self, request: pb.CheckMembershipBatchRequest, context: Context
    ) -> pb.CheckMembershipBatchResponse:
        channel_ids = list(request.channel_ids)
        answers, calls = await self._checker.batch(
            list(request.user_ids), channel_ids, request.max_telegram_calls
        )
        return pb.CheckMembershipBatchResponse(
            users=[
                pb.UserMembership(
                    user_id=user_id,
                    channels=[
                        answer_to_pb(c, a) for c, a in zip(channel_ids, user_answers, strict=True)
                    ],
                )
                for user_id, user_answers in answers.items()
            ],
            telegram_calls=calls,
        )

    async def RecordChatMemberUpdate(
        self, request: pb.RecordChatMemberUpdateRequest, context: Context
    ) -> pb.RecordChatMemberUpdateResponse:
        if request.new_status not in STATUS_NAMES:
            raise InvalidArgument("new_status is required", field="new_status")
        result = await self._checker.record_event(
            request.chat_id,
            request.user_id,
            STATUS_NAMES.get(request.old_status, ""),
            STATUS_NAMES[request.new_status],
            request.is_member,
            _seconds(request.date, "date"),
        )
        return pb.RecordChatMemberUpdateResponse(
            status=result.status.value, applied=result.applied, admins_changed=result.admins_changed
        )

    async def GetChatAdministrators(
        self, request: pb.GetChatAdministratorsRequest, context: Context
    ) -> pb.GetChatAdministratorsResponse:
        admins, source = await self._checker.administrators(request.chat_id, request.fresh)
        return pb.GetChatAdministratorsResponse(
            administrators=[
                pb.ChatAdministrator(
                    user_id=a.user_id,
                    is_bot=a.is_bot,
                    is_owner=a.is_owner,
                    can_restrict_members=a.can_restrict_members,
                    can_delete_messages=a.can_delete_messages,
                    can_invite_users=a.can_invite_users,
                    is_anonymous=a.is_anonymous,
                )
                for a in admins.admins
            ],
            source=source.value,
            fetched_at=to_timestamp(admins.fetched_at),
        )

    async def RecordPresence(
        self, request: pb.RecordPresenceRequest, context: Context
    ) -> pb.RecordPresenceResponse:
        await self._presence.record(request.group_id, request.user_id)
        return pb.RecordPresenceResponse()

    async def RecordPresenceBatch(
        self, request: pb.RecordPresenceBatchRequest, context: Context
    ) -> pb.RecordPresenceBatchResponse:
        await self._presence.record_many([(p.group_id, p.user_id) for p in request.presences])
        return pb.RecordPresenceBatchResponse()

    async def WatchChanges(
        self, request: pb.WatchChangesRequest, context: Context
    ) -> AsyncIterator[pb.MembershipChange]:
        try:
            async for change in self._changes.subscribe():
                yield change
        except SubscriberTooSlow:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "too far behind the changes: forget what you kept and subscribe again",
            )

    async def ListUserGroups(
        self, request: pb.ListUserGroupsRequest, context: Context
    ) -> pb.ListUserGroupsResponse:
        return pb.ListUserGroupsResponse(
            group_ids=await self._presence.user_groups(request.user_id)
        )

    async def ListGroupMembers(
        self, request: pb.ListGroupMembersRequest, context: Context
    ) -> pb.ListGroupMembersResponse:
        user_ids, next_token = await self._presence.group_members(
            request.group_id, request.page_size, request.page_token
        )
        return pb.ListGroupMembersResponse(user_ids=user_ids, next_page_token=next_token)

    async def ListAdministeredGroups(
        self, request: pb.ListAdministeredGroupsRequest, context: Context
    ) -> pb.ListAdministeredGroupsResponse:
        return pb.ListAdministeredGroupsResponse(
            group_ids=await self._checker.administered(request.user_id)
        )
