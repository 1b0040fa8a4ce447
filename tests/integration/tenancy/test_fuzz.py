"""Every TenancyService RPC, over a real server on SQLite and on PostgreSQL, asked hostile
things: the answer is never INTERNAL or UNKNOWN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st

from gmbot.tenancy.app import migrations_config
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc
from tests.integration.tenancy.calls import GROUP, NEWS, OWNER, PRIVATE, protect
from tests.support.fuzz import FORBIDDEN, FUZZ, caller, requests, status_of
from tests.support.migrated_databases import migrated_database
from tests.support.services import channel_to, running_tenancy

METHODS = list(pb.DESCRIPTOR.services_by_name["TenancyService"].methods)
KNOWN = [GROUP, NEWS.channel_id, PRIVATE.channel_id, OWNER.user_id]
# A request of each RPC that succeeds; the fuzzer makes one of its fields hostile at a time.
VALID: dict[str, Message] = {
    "ProtectGroup": pb.ProtectGroupRequest(
        group_id=GROUP, group_title="Chat", owner=OWNER, channels=[NEWS, PRIVATE]
    ),
    "UnprotectGroup": pb.UnprotectGroupRequest(group_id=GROUP),
    "GetGroupPolicy": pb.GetGroupPolicyRequest(group_id=GROUP),
    "UpdateGroupSettings": pb.UpdateGroupSettingsRequest(
        group_id=GROUP,
        settings=pb.GroupSettings(warning_text="Join {channels}", language="ru"),
        update_mask=FieldMask(paths=["warning_text", "language"]),
    ),
    "SuspendGroup": pb.SuspendGroupRequest(group_id=GROUP, reason="the bot was removed"),
    "ResumeGroup": pb.ResumeGroupRequest(group_id=GROUP),
    "ListChannelGroups": pb.ListChannelGroupsRequest(channel_id=NEWS.channel_id),
    "ListOwnerGroups": pb.ListOwnerGroupsRequest(owner_user_id=OWNER.user_id),
    "ListGroups": pb.ListGroupsRequest(page_size=10, page_token=str(GROUP + 1)),
    "UpsertChannel": pb.UpsertChannelRequest(channel=NEWS),
    "RecordChannelRights": pb.RecordChannelRightsRequest(
        channel_id=NEWS.channel_id, rights=pb.CHANNEL_RIGHTS_NOT_ADMIN
    ),
    "ChangeExemptUsers": pb.ChangeExemptUsersRequest(group_id=GROUP, add=[5, 6], remove=[6]),
    "RecordLinkedChat": pb.RecordLinkedChatRequest(group_id=GROUP, linked_chat_id=NEWS.channel_id),
    "RecordPersonStarted": pb.RecordPersonStartedRequest(user_id=OWNER.user_id),
    "SetPersonAlerts": pb.SetPersonAlertsRequest(user_id=OWNER.user_id, alerts=False),
    "ListPeople": pb.ListPeopleRequest(user_ids=[OWNER.user_id, OWNER.user_id + 1]),
}


@pytest.fixture(params=["sqlite", "postgres"])
async def channel(
    request: pytest.FixtureRequest, postgres_server_url: str, tmp_path: Path
) -> AsyncIterator[grpc.aio.Channel]:
    async with (
        migrated_database(request.param, postgres_server_url, tmp_path, migrations_config) as url,
        running_tenancy(url) as service,
        channel_to(service.port) as channel,
    ):
        await protect(tenancy_pb2_grpc.TenancyServiceStub(channel))
        yield channel


@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
@FUZZ
@given(data=st.data())
async def test_no_tenancy_rpc_answers_internal_whatever_it_is_asked(
    channel: grpc.aio.Channel, method: MethodDescriptor, data: st.DataObject
) -> None:
    request = data.draw(requests(method, KNOWN, VALID[method.name]), label="request")

    code = await status_of(caller(channel, method)(request))

    assert code not in FORBIDDEN
