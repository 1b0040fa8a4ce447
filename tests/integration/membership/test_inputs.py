"""Regressions found by fuzzing membership's RPCs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.v1 import membership_pb2 as pb
from tests.support.membership import World

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub


@pytest.mark.parametrize(
    "date",
    [
        Timestamp(seconds=0, nanos=1_000_000_000),
        Timestamp(seconds=0, nanos=-1),
        Timestamp(seconds=253402300800),  # the year 10000
        Timestamp(seconds=-(2**63)),
    ],
)
async def test_an_invalid_event_date_is_an_invalid_argument_not_internal(
    world: World, membership: MembershipServiceAsyncStub, date: Timestamp
) -> None:
    # Timestamp.ToNanoseconds raised ValueError inside the servicer: INTERNAL.
    user = await world.user()
    request = pb.RecordChatMemberUpdateRequest(
        chat_id=world.channel,
        user_id=user,
        new_status=pb.CHAT_MEMBER_STATUS_MEMBER,
        date=date,
    )

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await membership.RecordChatMemberUpdate(request)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "date" in (refused.value.details() or "")
