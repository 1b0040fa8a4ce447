"""Every TenancyService RPC over a real gRPC channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gmbot.v1 import tenancy_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub

GROUP = -1001000000001
OTHER_GROUP = -1001000000002
NEWS = pb.Channel(channel_id=-1002000000001, title="News", username="news_channel")
PRIVATE = pb.Channel(
    channel_id=-1002000000002, title="Private", invite_link="https://t.me/+AbCdEf123"
)
OWNER = pb.Owner(user_id=42, username="owner")


async def protect(
    stub: TenancyServiceStub, group_id: int = GROUP, *channels: pb.Channel
) -> pb.ProtectGroupResponse:
    return await stub.ProtectGroup(
        pb.ProtectGroupRequest(
            group_id=group_id,
            group_title="Chat",
            owner=OWNER,
            channels=list(channels or (NEWS, PRIVATE)),
        )
    )


async def status_of(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


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


async def test_list_channel_groups_lists_active_groups(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy, GROUP, NEWS, PRIVATE)
    await protect(tenancy, OTHER_GROUP, NEWS)
    await tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=OTHER_GROUP))

    active = await tenancy.ListChannelGroups(
        pb.ListChannelGroupsRequest(channel_id=NEWS.channel_id)
    )
    everything = await tenancy.ListChannelGroups(
        pb.ListChannelGroupsRequest(channel_id=NEWS.channel_id, include_inactive=True)
    )
    unknown = await tenancy.ListChannelGroups(
        pb.ListChannelGroupsRequest(channel_id=-1009999999999)
    )

    assert list(active.group_ids) == [GROUP]
    assert list(everything.group_ids) == sorted([GROUP, OTHER_GROUP])
    assert list(unknown.group_ids) == []


async def test_list_owner_groups(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy, GROUP, NEWS)
    await protect(tenancy, OTHER_GROUP, PRIVATE)

    response = await tenancy.ListOwnerGroups(pb.ListOwnerGroupsRequest(owner_user_id=42))
    nobody = await tenancy.ListOwnerGroups(pb.ListOwnerGroupsRequest(owner_user_id=43))

    assert {g.group_id for g in response.groups} == {GROUP, OTHER_GROUP}
    assert response.groups[0].group_id == OTHER_GROUP
    assert list(nobody.groups) == []


async def test_upsert_channel_bumps_every_linked_group(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy, GROUP, NEWS)
    await protect(tenancy, OTHER_GROUP, NEWS)

    renamed = pb.Channel(channel_id=NEWS.channel_id, title="Daily News", username="news_channel")
    response = await tenancy.UpsertChannel(pb.UpsertChannelRequest(channel=renamed))
    repeat = await tenancy.UpsertChannel(pb.UpsertChannelRequest(channel=renamed))

    assert response.groups_updated == 2
    assert repeat.groups_updated == 0
    policy = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    assert policy.policy.channels[0].title == "Daily News"
    assert policy.policy.version == 2


async def test_upsert_channel_keeps_a_known_invite_link(tenancy: TenancyServiceStub) -> None:
    await protect(tenancy, GROUP, PRIVATE)

    response = await tenancy.UpsertChannel(
        pb.UpsertChannelRequest(channel=pb.Channel(channel_id=PRIVATE.channel_id, title="P2"))
    )

    assert response.channel.invite_link == PRIVATE.invite_link


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (pb.ProtectGroupRequest(group_id=-12345, owner=OWNER, channels=[NEWS]), "basic group"),
        (pb.ProtectGroupRequest(group_id=GROUP, owner=OWNER, channels=[]), "at least one"),
        (pb.ProtectGroupRequest(group_id=GROUP, owner=OWNER, channels=[NEWS, NEWS]), "twice"),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=-1002000000100 - i) for i in range(11)],
            ),
            "at most 10",
        ),
        (pb.ProtectGroupRequest(group_id=GROUP, channels=[NEWS]), "owner.user_id"),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP, owner=OWNER, channels=[pb.Channel(channel_id=777)]
            ),
            "channels[0].channel_id",
        ),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=NEWS.channel_id, invite_link="http://evil")],
            ),
            "t.me",
        ),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=NEWS.channel_id, username="a b")],
            ),
            "username",
        ),
    ],
)
async def test_bad_protect_requests_are_invalid_arguments(
    tenancy: TenancyServiceStub, request_: pb.ProtectGroupRequest, words: str
) -> None:
    error = await status_of(tenancy.ProtectGroup(request_))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in (error.details() or "")
    missing = await status_of(tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP)))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=0)),
        lambda s: s.ListChannelGroups(pb.ListChannelGroupsRequest(channel_id=5)),
        lambda s: s.ListOwnerGroups(pb.ListOwnerGroupsRequest(owner_user_id=-1)),
        lambda s: s.SuspendGroup(pb.SuspendGroupRequest(group_id=GROUP, reason=" ")),
        lambda s: s.UpsertChannel(pb.UpsertChannelRequest(channel=pb.Channel(channel_id=1))),
        lambda s: s.UpdateGroupSettings(pb.UpdateGroupSettingsRequest(group_id=GROUP)),
    ],
)
async def test_malformed_input_is_an_invalid_argument_never_internal(
    tenancy: TenancyServiceStub, call: object
) -> None:
    await protect(tenancy)

    error = await status_of(call(tenancy))  # type: ignore[operator]

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_list_groups_pages_through_every_group(tenancy: TenancyServiceStub) -> None:
    ids = [GROUP - i for i in range(5)]
    for group_id in ids:
        await protect(tenancy, group_id, NEWS)

    seen: list[int] = []
    token = ""
    while True:
        page = await tenancy.ListGroups(pb.ListGroupsRequest(page_size=2, page_token=token))
        seen += [g.group_id for g in page.groups]
        token = page.next_page_token
        if not token:
            break

    assert seen == sorted(ids)


async def test_a_forged_page_token_is_an_invalid_argument(tenancy: TenancyServiceStub) -> None:
    error = await status_of(tenancy.ListGroups(pb.ListGroupsRequest(page_token="abc")))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
