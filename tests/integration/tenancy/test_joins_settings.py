"""What counting joins keeps in tenancy, on SQLite and PostgreSQL: whether a group's channels
approve joins and what a pending request counts as (settings), and a public channel where GMBot
cannot make invite links (its rights)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import GROUP, NEWS, protect

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub

JOINS = ["channels_approve_joins", "pending_request_counts_as_joined"]


async def test_approving_channels_and_pending_requests_are_off_until_an_owner_says(
    tenancy: TenancyServiceStub,
) -> None:
    protected = await protect(tenancy)
    changed = await tenancy.UpdateGroupSettings(
        pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(
                channels_approve_joins=True, pending_request_counts_as_joined=True
            ),
            update_mask=FieldMask(paths=JOINS),
        )
    )
    read = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    back = await tenancy.UpdateGroupSettings(
        pb.UpdateGroupSettingsRequest(
            group_id=GROUP,
            settings=pb.GroupSettings(pending_request_counts_as_joined=False),
            update_mask=FieldMask(paths=["pending_request_counts_as_joined"]),
        )
    )

    defaults = protected.policy.settings
    assert (defaults.channels_approve_joins, defaults.pending_request_counts_as_joined) == (
        False,
        False,
    )
    assert changed.policy.settings.channels_approve_joins
    assert read.policy.settings.pending_request_counts_as_joined
    assert back.policy.settings.channels_approve_joins
    assert not back.policy.settings.pending_request_counts_as_joined


async def test_a_public_channel_without_invite_links_is_recorded_and_comes_back(
    tenancy: TenancyServiceStub,
) -> None:
    await protect(tenancy)

    lost = await tenancy.RecordChannelRights(
        pb.RecordChannelRightsRequest(
            channel_id=NEWS.channel_id, rights=pb.CHANNEL_RIGHTS_NO_ATTRIBUTION
        )
    )
    read = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))
    back = await tenancy.RecordChannelRights(
        pb.RecordChannelRightsRequest(channel_id=NEWS.channel_id, rights=pb.CHANNEL_RIGHTS_OK)
    )

    assert (lost.changed, list(lost.group_ids)) == (True, [GROUP])
    news = next(c for c in read.policy.channels if c.channel_id == NEWS.channel_id)
    assert news.bot_rights == pb.CHANNEL_RIGHTS_NO_ATTRIBUTION
    assert back.changed
