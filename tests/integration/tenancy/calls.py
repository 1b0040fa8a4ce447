"""What the tenancy tests send: the groups, channels and owner they use, a ProtectGroup of them,
and the status of a call that fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

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
