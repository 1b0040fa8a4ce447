"""The TenancyService RPCs that list and look up: a channel's groups, an owner's groups, every
group page by page, and channels kept up to date, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import (
    GROUP,
    NEWS,
    OTHER_GROUP,
    PRIVATE,
    protect,
)

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub


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


async def test_list_groups_finds_the_groups_that_log_to_a_chat(tenancy: TenancyServiceStub) -> None:
    log_chat, other_chat = -1009000000001, -1009000000002
    chats = {GROUP: log_chat, GROUP - 1: other_chat, GROUP - 2: log_chat, GROUP - 3: 0}
    for group_id, chat in chats.items():
        await protect(tenancy, group_id, NEWS)
        await tenancy.UpdateGroupSettings(
            pb.UpdateGroupSettingsRequest(
                group_id=group_id,
                settings=pb.GroupSettings(log_chat_id=chat),
                update_mask=FieldMask(paths=["log_chat_id"]),
            )
        )

    logging = await tenancy.ListGroups(pb.ListGroupsRequest(log_chat_id=log_chat))
    nowhere = await tenancy.ListGroups(pb.ListGroupsRequest(log_chat_id=-1009000000003))

    assert [g.group_id for g in logging.groups] == [GROUP - 2, GROUP]
    assert all(g.settings.log_chat_id == log_chat for g in logging.groups)
    assert list(nowhere.groups) == []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await tenancy.ListGroups(pb.ListGroupsRequest(log_chat_id=42))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
