"""Tenancy as the flows call it: one method per question or change, which builds the request,
takes the channel's deadline and turns a failure into the gateway's errors (clients.backends).
A change answers the group's policy as it is now, for the flows to hand to the policy cache.
The flows see the domain's values (domain/), never tenancy's messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.gateway.clients.backends import call
from gmbot.gateway.clients.wire import fill, from_message
from gmbot.gateway.domain.choices import ChannelRights
from gmbot.gateway.domain.policy import Channel, GroupPolicy, Owner
from gmbot.gateway.domain.settings import GroupSettings
from gmbot.v1 import tenancy_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub


@dataclass(frozen=True)
class RightsRecorded:
    """What recording the bot's rights in a channel changed: whether they differ from before,
    and the protected groups that require the channel."""

    changed: bool
    group_ids: list[int]


@dataclass(frozen=True)
class ExemptionsChanged:
    policy: GroupPolicy
    # The users exempted by this change (not those exempt before it).
    added: list[int]


def policy_from(message: pb.GroupPolicy) -> GroupPolicy:
    return from_message(GroupPolicy, message)


class TenancyClient:
    def __init__(self, stub: TenancyServiceAsyncStub) -> None:
        self._stub = stub

    async def group_policy(self, group_id: int) -> GroupPolicy:
        """Raises NotFound for a group that was never protected."""
        request = pb.GetGroupPolicyRequest(group_id=group_id)
        return policy_from((await call("tenancy", self._stub.GetGroupPolicy(request))).policy)

    async def owner_groups(self, owner_user_id: int) -> list[int]:
        """The groups the user protected (whoever administers them now)."""
        request = pb.ListOwnerGroupsRequest(owner_user_id=owner_user_id)
        answer = await call("tenancy", self._stub.ListOwnerGroups(request))
        return [group.group_id for group in answer.groups]

    async def channel_groups(self, channel_id: int) -> list[int]:
        """The protected groups that require the channel."""
        request = pb.ListChannelGroupsRequest(channel_id=channel_id)
        return list((await call("tenancy", self._stub.ListChannelGroups(request))).group_ids)

    async def groups_logging_to(self, chat_id: int) -> list[GroupPolicy]:
        """Every group whose log chat `chat_id` is."""
        groups: list[GroupPolicy] = []
        token = ""
        while True:
            request = pb.ListGroupsRequest(page_size=500, page_token=token, log_chat_id=chat_id)
            answer = await call("tenancy", self._stub.ListGroups(request))
            groups += [policy_from(group) for group in answer.groups]
            token = answer.next_page_token
            if not token:
                return groups

    async def protect(
        self,
        group_id: int,
        group_title: str,
        owner: Owner,
        channels: Iterable[Channel],
        linked_chat_id: int,
    ) -> GroupPolicy:
        request = pb.ProtectGroupRequest(
            group_id=group_id,
            group_title=group_title,
            owner=fill(pb.Owner(), owner),
            channels=[fill(pb.Channel(), channel) for channel in channels],
            linked_chat_id=linked_chat_id,
        )
        return policy_from((await call("tenancy", self._stub.ProtectGroup(request))).policy)

    async def unprotect(self, group_id: int) -> GroupPolicy:
        request = pb.UnprotectGroupRequest(group_id=group_id)
        return policy_from((await call("tenancy", self._stub.UnprotectGroup(request))).policy)

    async def update_settings(
        self,
        group_id: int,
        settings: GroupSettings,
        names: Iterable[str],
        expected_version: int = 0,
    ) -> GroupPolicy:
        """Changes only the settings named; with `expected_version`, only if the policy is still
        that version (Conflict otherwise)."""
        request = pb.UpdateGroupSettingsRequest(
            group_id=group_id,
            settings=fill(pb.GroupSettings(), settings),
            update_mask=FieldMask(paths=list(names)),
            expected_version=expected_version,
        )
        return policy_from((await call("tenancy", self._stub.UpdateGroupSettings(request))).policy)

    async def change_exempt_users(
        self, group_id: int, add: Iterable[int] = (), remove: Iterable[int] = ()
    ) -> ExemptionsChanged:
        request = pb.ChangeExemptUsersRequest(group_id=group_id, add=add, remove=remove)
        answer = await call("tenancy", self._stub.ChangeExemptUsers(request))
        return ExemptionsChanged(policy_from(answer.policy), list(answer.added))

    async def suspend(self, group_id: int, reason: str) -> GroupPolicy:
        request = pb.SuspendGroupRequest(group_id=group_id, reason=reason)
        return policy_from((await call("tenancy", self._stub.SuspendGroup(request))).policy)

    async def resume(self, group_id: int) -> GroupPolicy:
        request = pb.ResumeGroupRequest(group_id=group_id)
        return policy_from((await call("tenancy", self._stub.ResumeGroup(request))).policy)

    async def record_channel_rights(self, channel_id: int, rights: ChannelRights) -> RightsRecorded:
        request = pb.RecordChannelRightsRequest(
            channel_id=channel_id, rights=pb.ChannelRights.ValueType(rights)
        )
        answer = await call("tenancy", self._stub.RecordChannelRights(request))
        return RightsRecorded(answer.changed, list(answer.group_ids))

    async def record_linked_chat(self, group_id: int, linked_chat_id: int) -> GroupPolicy:
        request = pb.RecordLinkedChatRequest(group_id=group_id, linked_chat_id=linked_chat_id)
        return policy_from((await call("tenancy", self._stub.RecordLinkedChat(request))).policy)

    async def person_started(self, user_id: int, language: str = "") -> bool:
        """Records that the user started the bot, in `language` (one of GMBot's; "" keeps the
        known one); whether they get alerts."""
        request = pb.RecordPersonStartedRequest(user_id=user_id, language=language)
        return (await call("tenancy", self._stub.RecordPersonStarted(request))).alerts

    async def set_person_alerts(self, user_id: int, alerts: bool) -> None:
        request = pb.SetPersonAlertsRequest(user_id=user_id, alerts=alerts)
        await call("tenancy", self._stub.SetPersonAlerts(request))

    async def people(self, user_ids: Iterable[int]) -> list[pb.Person]:
        """Those of `user_ids` who started the bot: whether each gets alerts, their language."""
        request = pb.ListPeopleRequest(user_ids=sorted(user_ids))
        return list((await call("tenancy", self._stub.ListPeople(request))).people)
