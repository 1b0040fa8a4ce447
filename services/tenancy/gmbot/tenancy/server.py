"""The TenancyService servicer: messages in, domain calls, messages out. No status codes here:
domain errors reach the caller through the runtime's interceptor."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.runtime.errors import InvalidArgument
from gmbot.tenancy.people import People
from gmbot.tenancy.policy import (
    Action,
    Channel,
    ChannelRights,
    GroupPolicy,
    GroupSettings,
    Mode,
    OnUnknown,
)
from gmbot.tenancy.registry import GroupRegistry
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

_ACTIONS = {
    pb.ENFORCEMENT_ACTION_MUTE: Action.MUTE,
    pb.ENFORCEMENT_ACTION_KICK: Action.KICK,
    pb.ENFORCEMENT_ACTION_DELETE_ONLY: Action.DELETE_ONLY,
}
_ON_UNKNOWN = {
    pb.UNKNOWN_POLICY_ALLOW: OnUnknown.ALLOW,
    pb.UNKNOWN_POLICY_DELETE_MESSAGE: OnUnknown.DELETE_MESSAGE,
}
_MODES = {pb.GROUP_MODE_ENFORCE: Mode.ENFORCE, pb.GROUP_MODE_OBSERVE: Mode.OBSERVE}
_RIGHTS = {
    pb.CHANNEL_RIGHTS_OK: ChannelRights.OK,
    pb.CHANNEL_RIGHTS_REMOVED: ChannelRights.REMOVED,
    pb.CHANNEL_RIGHTS_NOT_ADMIN: ChannelRights.NOT_ADMIN,
    pb.CHANNEL_RIGHTS_NO_INVITE_LINKS: ChannelRights.NO_INVITE_LINKS,
    pb.CHANNEL_RIGHTS_NO_ATTRIBUTION: ChannelRights.NO_ATTRIBUTION,
}
_RIGHTS_NUMBERS = {value.value: number for number, value in _RIGHTS.items()}


def _timestamp(value: Any) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def channel_to_pb(channel: Channel) -> pb.Channel:
    return pb.Channel(
        channel_id=channel.channel_id,
        title=channel.title,
        username=channel.username,
        invite_link=channel.invite_link,
        bot_rights=_RIGHTS_NUMBERS.get(channel.bot_rights, pb.CHANNEL_RIGHTS_OK),
    )


def channel_from_pb(message: pb.Channel) -> Channel:
    rights = _RIGHTS.get(message.bot_rights)
    return Channel(
        message.channel_id,
        message.title,
        message.username,
        message.invite_link,
        rights.value if rights is not None else "",
    )


def settings_to_pb(settings: GroupSettings) -> pb.GroupSettings:
    action = {v: k for k, v in _ACTIONS.items()}[settings.action]
    on_unknown = {v: k for k, v in _ON_UNKNOWN.items()}[settings.on_unknown]
    mode = {v: k for k, v in _MODES.items()}[settings.mode]
    return pb.GroupSettings(
        action=action,
        warning_text=settings.warning_text,
        language=settings.language,
        warning_ttl_seconds=settings.warning_ttl_seconds,
        kick_after_minutes=settings.kick_after_minutes,
        check_on_join=settings.check_on_join,
        gate_join_requests=settings.gate_join_requests,
        exempt_user_ids=list(settings.exempt_user_ids),
        on_unknown=on_unknown,
        ban_sender_chat=settings.ban_sender_chat,
        mode=mode,
        log_chat_id=settings.log_chat_id,
        channels_approve_joins=settings.channels_approve_joins,
        pending_request_counts_as_joined=settings.pending_request_counts_as_joined,
    )


def settings_changes(message: pb.GroupSettings, paths: list[str]) -> dict[str, object]:
    """The masked fields of `message` as domain values; enums must be set explicitly."""
    changes: dict[str, object] = {}
    for path in paths:
        if path not in pb.GroupSettings.DESCRIPTOR.fields_by_name:
            known = ", ".join(sorted(pb.GroupSettings.DESCRIPTOR.fields_by_name))
            raise InvalidArgument(f"unknown setting {path!r}; known settings: {known}", field=path)
        value = getattr(message, path)
        if path == "action":
            if value not in _ACTIONS:
                raise InvalidArgument("action must be mute, kick or delete_only", field=path)
            value = _ACTIONS[value]
        elif path == "on_unknown":
            if value not in _ON_UNKNOWN:
                raise InvalidArgument("on_unknown must be allow or delete_message", field=path)
            value = _ON_UNKNOWN[value]
        elif path == "mode":
            if value not in _MODES:
                raise InvalidArgument("mode must be enforce or observe", field=path)
            value = _MODES[value]
        elif path == "exempt_user_ids":
            value = tuple(value)
        changes[path] = value
    return changes


def policy_to_pb(policy: GroupPolicy) -> pb.GroupPolicy:
    return pb.GroupPolicy(
        group_id=policy.group_id,
        title=policy.title,
        owner_user_id=policy.owner_user_id,
        enabled=policy.enabled,
        suspended_reason=policy.suspended_reason,
        channels=[channel_to_pb(c) for c in policy.channels],
        settings=settings_to_pb(policy.settings),
        version=policy.version,
        updated_at=_timestamp(policy.updated_at),
        linked_chat_id=policy.linked_chat_id,
    )


class TenancyServicer(tenancy_pb2_grpc.TenancyServiceServicer):
    def __init__(self, registry: GroupRegistry, people: People) -> None:
        self._registry = registry
        self._people = people

    async def ProtectGroup(
        self, request: pb.ProtectGroupRequest, context: Context
    ) -> pb.ProtectGroupResponse:
        result = await self._registry.protect(
            group_id=request.group_id,
            group_title=request.group_title,
            owner_user_id=request.owner.user_id,
            owner_username=request.owner.username,
            channels=[channel_from_pb(c) for c in request.channels],
            linked_chat_id=request.linked_chat_id,
        )
        return pb.ProtectGroupResponse(policy=policy_to_pb(result.policy), changed=result.changed)

    async def UnprotectGroup(
        self, request: pb.UnprotectGroupRequest, context: Context
    ) -> pb.UnprotectGroupResponse:
        policy = await self._registry.unprotect(request.group_id)
        return pb.UnprotectGroupResponse(policy=policy_to_pb(policy))

    async def GetGroupPolicy(
        self, request: pb.GetGroupPolicyRequest, context: Context
    ) -> pb.GetGroupPolicyResponse:
        policy = await self._registry.policy(request.group_id)
        return pb.GetGroupPolicyResponse(policy=policy_to_pb(policy))

    async def UpdateGroupSettings(
        self, request: pb.UpdateGroupSettingsRequest, context: Context
    ) -> pb.UpdateGroupSettingsResponse:
        changes = settings_changes(request.settings, list(request.update_mask.paths))
        policy = await self._registry.update_settings(
            request.group_id, changes, request.expected_version
        )
        return pb.UpdateGroupSettingsResponse(policy=policy_to_pb(policy))

    async def SuspendGroup(
        self, request: pb.SuspendGroupRequest, context: Context
    ) -> pb.SuspendGroupResponse:
        policy = await self._registry.suspend(request.group_id, request.reason)
        return pb.SuspendGroupResponse(policy=policy_to_pb(policy))

    async def ResumeGroup(
        self, request: pb.ResumeGroupRequest, context: Context
    ) -> pb.ResumeGroupResponse:
        policy = await self._registry.resume(request.group_id)
        return pb.ResumeGroupResponse(policy=policy_to_pb(policy))

    async def ListChannelGroups(
        self, request: pb.ListChannelGroupsRequest, context: Context
    ) -> pb.ListChannelGroupsResponse:
        ids = await self._registry.channel_groups(request.channel_id, request.include_inactive)
        return pb.ListChannelGroupsResponse(group_ids=ids)

    async def ListOwnerGroups(
        self, request: pb.ListOwnerGroupsRequest, context: Context
    ) -> pb.ListOwnerGroupsResponse:
        groups = await self._registry.owner_groups(request.owner_user_id)
        return pb.ListOwnerGroupsResponse(
            groups=[
                pb.GroupSummary(
                    group_id=g.group_id,
                    title=g.title,
                    enabled=g.enabled,
                    suspended_reason=g.suspended_reason,
                    channels=[channel_to_pb(c) for c in g.channels],
                    updated_at=_timestamp(g.updated_at),
                )
                for g in groups
            ]
        )

    async def ListGroups(
        self, request: pb.ListGroupsRequest, context: Context
    ) -> pb.ListGroupsResponse:
        if request.log_chat_id > 0:
            raise InvalidArgument("log_chat_id must be a chat id (negative)", field="log_chat_id")
        groups, next_token = await self._registry.list_groups(
            request.page_size, request.page_token, request.log_chat_id
        )
        return pb.ListGroupsResponse(
            groups=[policy_to_pb(g) for g in groups], next_page_token=next_token
        )

    async def UpsertChannel(
        self, request: pb.UpsertChannelRequest, context: Context
    ) -> pb.UpsertChannelResponse:
        channel, updated = await self._registry.upsert_channel(channel_from_pb(request.channel))
        return pb.UpsertChannelResponse(channel=channel_to_pb(channel), groups_updated=updated)

    async def RecordChannelRights(
        self, request: pb.RecordChannelRightsRequest, context: Context
    ) -> pb.RecordChannelRightsResponse:
        rights = _RIGHTS.get(request.rights)
        changed, groups = await self._registry.record_channel_rights(
            request.channel_id, rights.value if rights is not None else ""
        )
        return pb.RecordChannelRightsResponse(changed=changed, group_ids=groups)

    async def ChangeExemptUsers(
        self, request: pb.ChangeExemptUsersRequest, context: Context
    ) -> pb.ChangeExemptUsersResponse:
        policy, added = await self._registry.change_exempt_users(
            request.group_id, list(request.add), list(request.remove)
        )
        return pb.ChangeExemptUsersResponse(policy=policy_to_pb(policy), added=added)

    async def RecordLinkedChat(
        self, request: pb.RecordLinkedChatRequest, context: Context
    ) -> pb.RecordLinkedChatResponse:
        policy, changed = await self._registry.record_linked_chat(
            request.group_id, request.linked_chat_id
        )
        return pb.RecordLinkedChatResponse(policy=policy_to_pb(policy), changed=changed)

    async def RecordPersonStarted(
        self, request: pb.RecordPersonStartedRequest, context: Context
    ) -> pb.RecordPersonStartedResponse:
        alerts = await self._people.opened(request.user_id, request.language)
        return pb.RecordPersonStartedResponse(alerts=alerts)

    async def SetPersonAlerts(
        self, request: pb.SetPersonAlertsRequest, context: Context
    ) -> pb.SetPersonAlertsResponse:
        await self._people.set_alerts(request.user_id, request.alerts)
        return pb.SetPersonAlertsResponse()

    async def ListPeople(
        self, request: pb.ListPeopleRequest, context: Context
    ) -> pb.ListPeopleResponse:
        known = await self._people.known(list(request.user_ids))
        return pb.ListPeopleResponse(
            people=[
                pb.Person(user_id=u, alerts=known[u][0], language=known[u][1])
                for u in sorted(known)
            ]
        )
