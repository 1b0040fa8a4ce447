"""What owners steer in tenancy (issue 12): observe mode, the exempt list changed a member at a
time, and the bot's rights in each channel. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import (
    GROUP,
    NEWS,
    OTHER_GROUP,
    PRIVATE,
    protect,
    status_of,
)

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub


async def test_a_group_enforces_until_switched_to_observe(tenancy: TenancyServiceStub) -> None:
    created = await protect(tenancy)

    observing = await tenancy.UpdateGroupSettings(
        pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(mode=pb.GROUP_MODE_OBSERVE),
            update_mask=FieldMask(paths=["mode"]),
        )
    )
    refused = await status_of(
        tenancy.UpdateGroupSettings(
            pb.UpdateGroupSettingsRequest(
                group_id=GROUP,
                settings=pb.GroupSettings(),
                update_mask=FieldMask(paths=["mode"]),
            )
        )
    )

    assert created.policy.settings.mode == pb.GROUP_MODE_ENFORCE
    assert observing.policy.settings.mode == pb.GROUP_MODE_OBSERVE
    assert observing.policy.version == created.policy.version + 1
    assert "mode must be enforce or observe" in (refused.details() or "")


async def test_exempt_users_are_added_and_removed_without_losing_a_concurrent_change(
    tenancy: TenancyServiceStub,
) -> None:
    await protect(tenancy)

    answers = await asyncio.gather(
        *(
            tenancy.ChangeExemptUsers(pb.ChangeExemptUsersRequest(group_id=GROUP, add=[user]))
            for user in (7, 8, 9)
        )
    )
    again = await tenancy.ChangeExemptUsers(pb.ChangeExemptUsersRequest(group_id=GROUP, add=[8]))
    removed = await tenancy.ChangeExemptUsers(
        pb.ChangeExemptUsersRequest(group_id=GROUP, remove=[7, 100])
    )
    too_many = await status_of(
        tenancy.ChangeExemptUsers(
            pb.ChangeExemptUsersRequest(group_id=GROUP, add=list(range(1000, 11_000)))
        )
    )
    unknown = await status_of(
        tenancy.ChangeExemptUsers(pb.ChangeExemptUsersRequest(group_id=OTHER_GROUP, add=[1]))
    )

    assert sorted(user for a in answers for user in a.added) == [7, 8, 9]
    assert list(again.added) == []
    assert again.policy.version == max(a.policy.version for a in answers)
    assert sorted(removed.policy.settings.exempt_user_ids) == [8, 9]
    assert "at most 10000 users" in (too_many.details() or "")
    assert unknown.code().name == "NOT_FOUND"


async def test_the_bots_rights_in_a_channel_reach_every_linked_group(
    tenancy: TenancyServiceStub,
) -> None:
    await protect(tenancy, GROUP, NEWS, PRIVATE)
    await protect(tenancy, OTHER_GROUP, NEWS)
    await tenancy.UnprotectGroup(pb.UnprotectGroupRequest(group_id=OTHER_GROUP))
    before = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))

    lost = await tenancy.RecordChannelRights(
        pb.RecordChannelRightsRequest(channel_id=NEWS.channel_id, rights=pb.CHANNEL_RIGHTS_REMOVED)
    )
    again = await tenancy.RecordChannelRights(
        pb.RecordChannelRightsRequest(channel_id=NEWS.channel_id, rights=pb.CHANNEL_RIGHTS_REMOVED)
    )
    during = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    # /protect checked the rights again: they are recorded as they are now.
    reprotected = await protect(tenancy, GROUP, _ok(NEWS), PRIVATE)
    unknown = await tenancy.RecordChannelRights(
        pb.RecordChannelRightsRequest(channel_id=-1009999999999, rights=pb.CHANNEL_RIGHTS_OK)
    )
    refused = await status_of(
        tenancy.RecordChannelRights(pb.RecordChannelRightsRequest(channel_id=NEWS.channel_id))
    )

    assert before.policy.channels[0].bot_rights == pb.CHANNEL_RIGHTS_OK
    assert (lost.changed, list(lost.group_ids)) == (True, sorted([GROUP, OTHER_GROUP]))
    assert not again.changed
    assert during.policy.channels[0].bot_rights == pb.CHANNEL_RIGHTS_REMOVED
    assert during.policy.channels[1].bot_rights == pb.CHANNEL_RIGHTS_OK
    assert during.policy.version == before.policy.version + 1
    assert reprotected.policy.channels[0].bot_rights == pb.CHANNEL_RIGHTS_OK
    assert (unknown.changed, list(unknown.group_ids)) == (False, [])
    assert refused.code().name == "INVALID_ARGUMENT"


def _ok(channel: pb.Channel) -> pb.Channel:
    checked = pb.Channel()
    checked.CopyFrom(channel)
    checked.bot_rights = pb.CHANNEL_RIGHTS_OK
    return checked
