"""The TenancyService RPCs that protect a group and change its policy (protect, unprotect,
settings, suspend and resume) over a real gRPC channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import (
    GROUP,
    NEWS,
    PRIVATE,
    protect,
    status_of,
)

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub


async def test_protect_returns_the_policy_with_channels_in_order(
    tenancy: TenancyServiceStub,
) -> None:
    response = await protect(tenancy)

    policy = response.policy
    assert response.changed
    assert policy.enabled
    assert policy.owner_user_id == 42
    assert [c.channel_id for c in policy.channels] == [NEWS.channel_id, PRIVATE.channel_id]
    assert policy.channels[1].invite_link == "https://t.me/+AbCdEf123"
    assert policy.settings.action == pb.ENFORCEMENT_ACTION_MUTE
    assert policy.settings.language == "en"
    assert policy.settings.warning_ttl_seconds == 300
    assert policy.version == 1


async def test_protect_again_with_the_same_channels_changes_nothing(
    tenancy: TenancyServiceStub,
) -> None:
    first = await protect(tenancy)
    again = await protect(tenancy)

    assert not again.changed
    assert again.policy.version == first.policy.version


async def test_protect_again_replaces_the_links(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy)
    response = await protect(tenancy, GROUP, PRIVATE)

    assert response.changed
    assert [c.channel_id for c in response.policy.channels] == [PRIVATE.channel_id]
    assert response.policy.version == 2
    groups = await tenancy.ListChannelGroups(
        pb.ListChannelGroupsRequest(channel_id=NEWS.channel_id)
    )
    assert list(groups.group_ids) == []


async def test_concurrent_protects_of_one_group_all_succeed(tenancy: TenancyServiceStub) -> None:
    responses = await asyncio.gather(*(protect(tenancy) for _ in range(8)))

    assert sum(r.changed for r in responses) == 1
    policy = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    assert policy.policy.version == 1


async def test_unprotect_keeps_the_configuration(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy)
    await tenancy.UpdateGroupSettings(
        pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(language="ru"),
            update_mask=FieldMask(paths=["language"]),
        )
    )

    response = await tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=GROUP))
    again = await tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=GROUP))

    assert not response.policy.enabled
    assert len(response.policy.channels) == 2
    assert response.policy.settings.language == "ru"
    assert again.policy.version == response.policy.version
    reprotected = await protect(tenancy)
    assert reprotected.policy.enabled
    assert reprotected.policy.settings.language == "ru"


async def test_unknown_group_is_not_found(tenancy: TenancyServiceStub) -> None:
    for call in (
        tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP)),
        tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=GROUP)),
        tenancy.ResumeGroup(pb.ResumeGroupRequest(group_id=GROUP)),
    ):
        error = await status_of(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert "not protected" in (error.details() or "")


async def test_update_settings_changes_only_the_masked_fields(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy)
    response = await tenancy.UpdateGroupSettings(
        pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(
                action=pb.ENFORCEMENT_ACTION_KICK,
                warning_text="Hi {user}, join {channels} to talk in {group}",
                exempt_user_ids=[7, 8],
                check_on_join=False,
                language="ru",
            ),
            update_mask=FieldMask(
                paths=["action", "warning_text", "exempt_user_ids", "check_on_join"]
            ),
        )
    )

    settings = response.policy.settings
    assert settings.action == pb.ENFORCEMENT_ACTION_KICK
    assert settings.warning_text.startswith("Hi {user}")
    assert list(settings.exempt_user_ids) == [7, 8]
    assert settings.check_on_join is False
    assert settings.language == "en"
    assert response.policy.version == 2


@pytest.mark.parametrize(
    ("settings", "path", "words"),
    [
        (pb.GroupSettings(), "colour", "unknown setting 'colour'"),
        (pb.GroupSettings(language="xx"), "language", "language"),
        (pb.GroupSettings(warning_ttl_seconds=5), "warning_ttl_seconds", "greater than or equal"),
        (pb.GroupSettings(kick_after_minutes=20000), "kick_after_minutes", "less than"),
        (pb.GroupSettings(warning_text="{name} join!"), "warning_text", "unknown placeholder"),
        (pb.GroupSettings(exempt_user_ids=[5, 5]), "exempt_user_ids", "duplicate"),
        (pb.GroupSettings(exempt_user_ids=[-5]), "exempt_user_ids", "greater than 0"),
        (pb.GroupSettings(), "action", "mute, kick or delete_only"),
        (pb.GroupSettings(log_chat_id=42), "log_chat_id", "less than or equal to 0"),
        (pb.GroupSettings(log_chat_id=-(10**12)), "log_chat_id", "not a channel or group"),
    ],
)
async def test_invalid_settings_are_refused_and_nothing_changes(
    tenancy: TenancyServiceStub, settings: pb.GroupSettings, path: str, words: str
) -> None:
    before = (await protect(tenancy)).policy

    error = await status_of(
        tenancy.UpdateGroupSettings(
            pb.UpdateGroupSettingsRequest(
                group_id=GROUP, settings=settings, update_mask=FieldMask(paths=[path])
            )
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in (error.details() or "")
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == path
    after = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    assert after.policy == before


async def test_a_log_chat_is_kept_and_cleared(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy)
    log_channel = -1001234567890

    def change(chat_id: int) -> pb.UpdateGroupSettingsRequest:
        return pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(log_chat_id=chat_id),
            update_mask=FieldMask(paths=["log_chat_id"]),
        )

    chosen = await tenancy.UpdateGroupSettings(change(log_channel))
    read = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    cleared = await tenancy.UpdateGroupSettings(change(0))

    assert chosen.policy.settings.log_chat_id == log_channel
    assert read.policy.settings.log_chat_id == log_channel
    assert cleared.policy.settings.log_chat_id == 0


async def test_stale_expected_version_is_aborted(tenancy: TenancyServiceStub) -> None:
    policy = (await protect(tenancy)).policy
    request = pb.UpdateGroupSettingsRequest(
        group_id=GROUP,
        settings=pb.GroupSettings(language="ru"),
        update_mask=FieldMask(paths=["language"]),
        expected_version=policy.version,
    )
    await tenancy.UpdateGroupSettings(request)
    request.settings.language = "en"

    error = await status_of(tenancy.UpdateGroupSettings(request))

    assert error.code() == grpc.StatusCode.ABORTED


async def test_suspend_and_resume(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy)
    suspended = await tenancy.SuspendGroup(
        pb.SuspendGroupRequest(group_id=GROUP, reason="the bot is no longer an administrator")
    )
    active = await tenancy.ListChannelGroups(
        pb.ListChannelGroupsRequest(channel_id=NEWS.channel_id)
    )
    resumed = await tenancy.ResumeGroup(pb.ResumeGroupRequest(group_id=GROUP))

    assert suspended.policy.suspended_reason == "the bot is no longer an administrator"
    assert list(active.group_ids) == []
    assert resumed.policy.suspended_reason == ""
    assert resumed.policy.version == suspended.policy.version + 1


async def test_resume_of_an_unprotected_group_is_a_failed_precondition(
    tenancy: TenancyServiceStub,
) -> None:
    await protect(tenancy)
    await tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=GROUP))

    error = await status_of(tenancy.ResumeGroup(pb.ResumeGroupRequest(group_id=GROUP)))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "/protect" in (error.details() or "")
