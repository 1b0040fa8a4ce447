"""Tenancy while PostgreSQL cannot be reached: UNAVAILABLE, which callers retry, never INTERNAL
(which the gateway takes for a bug and sets the update aside for)."""

from __future__ import annotations

from collections.abc import Awaitable

import grpc
import pytest
from sqlalchemy.engine import make_url

from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc
from tests.support.databases import fresh_postgres
from tests.support.services import channel_to, running_tenancy
from tests.support.tcpproxy import TcpProxy


async def test_connection_refused_is_unavailable_not_internal(postgres_server_url: str) -> None:
    async with fresh_postgres(postgres_server_url) as url:
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        proxied = target.set(host="127.0.0.1", port=proxy.port)
        async with (
            running_tenancy(proxied.render_as_string(hide_password=False)) as service,
            channel_to(service.port) as channel,
        ):
            tenancy = tenancy_pb2_grpc.TenancyServiceStub(channel)
            request = pb.GetGroupPolicyRequest(group_id=-1001000000001)
            assert await _code(tenancy.GetGroupPolicy(request)) == grpc.StatusCode.NOT_FOUND
            await proxy.cut()  # connections dropped, new ones refused

            # The dropped connection, then refused ones.
            codes = [await _code(tenancy.GetGroupPolicy(request, timeout=20)) for _ in range(3)]

            assert codes == [grpc.StatusCode.UNAVAILABLE] * 3


async def _code(call: Awaitable[object]) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call
    return failed.value.code()
