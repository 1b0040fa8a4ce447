"""Membership as the flows call it: one method per question or record, which builds the request,
takes a deadline (the channel's, or the caller's where a decision waits on it) and turns a
failure into the gateway's errors (clients.backends)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.gateway.clients.backends import call
from gmbot.runtime.budget.fairness import for_group
from gmbot.runtime.statuses import STATUS_NUMBERS
from gmbot.runtime.timestamps import to_seconds
from gmbot.v1 import membership_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub


class Membership(IntEnum):
    """Whether a user is in a channel; numbered as the contract numbers them, which is how the
    near cache keeps them."""

    MEMBER = pb.MEMBERSHIP_STATUS_MEMBER
    NOT_MEMBER = pb.MEMBERSHIP_STATUS_NOT_MEMBER
    UNKNOWN = pb.MEMBERSHIP_STATUS_UNKNOWN


def _membership(status: int) -> Membership:
    """An answer membership could not give (or that this gateway does not know) is unknown."""
    return Membership(status) if status in Membership._value2member_map_ else Membership.UNKNOWN


@dataclass(frozen=True)
class ChannelAnswer:
    channel_id: int
    status: Membership
    # When membership learnt it (Unix seconds).
    observed_at: float
    # Asked of Telegram for this answer: a Bot API call spent on the group.
    from_telegram: bool


@dataclass(frozen=True)
class Administrator:
    user_id: int
    is_bot: bool
    can_restrict_members: bool
    can_delete_messages: bool
    can_invite_users: bool
    # Posts as the group: their name is never shown where the group's members may read.
    is_anonymous: bool = False


@dataclass(frozen=True)
class Administrators:
    administrators: tuple[Administrator, ...]
    # Read from Telegram for this answer (not from membership's kept list).
    from_telegram: bool


@dataclass(frozen=True)
class MemberUpdateRecorded:
    # The user's membership of the chat now, as membership records it.
    status: Membership
    admins_changed: bool


class MembershipClient:
    def __init__(self, stub: MembershipServiceAsyncStub) -> None:
        self._stub = stub

    async def administrators(self, chat_id: int, *, fresh: bool = False) -> Administrators:
        """The chat's administrators with their rights; `fresh` asks Telegram now (for a check
        that grants power)."""
        request = pb.GetChatAdministratorsRequest(chat_id=chat_id, fresh=fresh)
        answer = await call("membership", self._stub.GetChatAdministrators(request))
        return Administrators(
            tuple(
                Administrator(
                    user_id=a.user_id,
                    is_bot=a.is_bot,
                    can_restrict_members=a.can_restrict_members,
                    can_delete_messages=a.can_delete_messages,
                    can_invite_users=a.can_invite_users,
                    is_anonymous=a.is_anonymous,
                )
                for a in answer.administrators
            ),
            from_telegram=answer.source == pb.ANSWER_SOURCE_TELEGRAM,
        )

    async def check(
        self,
        user_id: int,
        channel_ids: Iterable[int],
        *,
        group_id: int,
        fresh: bool,
        wait_seconds: float,
    ) -> list[ChannelAnswer]:
        """Whether the user is in each channel; the decision waits `wait_seconds` at most. The
        check is `group_id`'s work: the shared budget serves groups in turn."""
        request = pb.CheckMembershipRequest(user_id=user_id, channel_ids=channel_ids, fresh=fresh)
        answer = await call(
            "membership",
            self._stub.CheckMembership(request, timeout=wait_seconds, metadata=for_group(group_id)),
        )
        return [
            ChannelAnswer(
                a.channel_id,
                _membership(a.status),
                to_seconds(a.observed_at),
                from_telegram=a.source == pb.ANSWER_SOURCE_TELEGRAM,
            )
            for a in answer.channels
        ]

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
        old_status: str,
        new_status: str,
        *,
        is_member: bool,
        date: datetime,
    ) -> MemberUpdateRecorded:
        """A chat_member update; the statuses are Telegram's names ("member", "left" ...)."""
        stamp = Timestamp()
        stamp.FromDatetime(date)
        request = pb.RecordChatMemberUpdateRequest(
            chat_id=chat_id,
            user_id=user_id,
            old_status=STATUS_NUMBERS.get(old_status, pb.CHAT_MEMBER_STATUS_UNSPECIFIED),
            new_status=STATUS_NUMBERS[new_status],
            is_member=is_member,
            date=stamp,
        )
        answer = await call("membership", self._stub.RecordChatMemberUpdate(request))
        return MemberUpdateRecorded(_membership(answer.status), answer.admins_changed)
