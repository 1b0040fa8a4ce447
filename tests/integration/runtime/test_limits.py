"""A server bounds what one caller can make it hold (calls at once, the size of a request) and
answers bytes that are not a request as the caller's mistake."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import SecretStr

from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ServiceSettings
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1.tenancy_pb2_grpc import TenancyServiceStub
from tests.support.services import TEST_TOKEN, channel_to, client_settings, running_tenancy
from tests.support.waiting import eventually

ECHO = "/test.Echo/Echo"


def _echo_service(
    hold: asyncio.Event | None = None,
    calls: list[int] | None = None,
    arrived: asyncio.Semaphore | None = None,
) -> Service:
    async def echo(request: bytes, _context: Any) -> bytes:
        if calls is not None:
            calls.append(len(request))
        if arrived is not None:
            arrived.release()
        if hold is not None:
            await hold.wait()
        return request

    handler = grpc.method_handlers_generic_handler(
        "test.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    return Service(
        name="echo",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["test.Echo"],
    )


def _settings(**overrides: Any) -> ServiceSettings:
    return ServiceSettings(
        auth_token=SecretStr(TEST_TOKEN),
        grpc_port=0,
        metrics_enabled=False,
        shutdown_grace_seconds=0,
        **overrides,
    )


@pytest.mark.parametrize(
    ("overrides", "size"),
    [({}, 1024 * 1024 + 1), ({"grpc_max_message_bytes": 16 * 1024}, 16 * 1024 + 1)],
)
async def test_an_oversized_message_is_resource_exhausted_not_internal(
    overrides: dict[str, Any], size: int
) -> None:
    calls: list[int] = []
    async with (
        started(_echo_service(calls=calls), _settings(**overrides)) as service,
        open_channel(f"127.0.0.1:{service.port}", client_settings()) as channel,
    ):
        echo = channel.unary_unary(ECHO, None, None)
        assert await echo(b"x" * (size - 1000)) == b"x" * (size - 1000)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await echo(b"x" * size)

    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert calls == [size - 1000]


async def test_calls_past_the_concurrency_bound_are_resource_exhausted() -> None:
    hold, arrived = asyncio.Event(), asyncio.Semaphore(0)
    settings = _settings(grpc_max_concurrent_rpcs=2, grpc_max_health_watchers=1)
    async with (
        started(_echo_service(hold, arrived=arrived), settings) as service,
        open_channel(f"127.0.0.1:{service.port}", client_settings()) as channel,
    ):
        echo = channel.unary_unary(ECHO, None, None)
        held = [asyncio.ensure_future(echo(b"a")), asyncio.ensure_future(echo(b"b"))]
        await arrived.acquire()
        await arrived.acquire()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await echo(b"c")
        hold.set()
        assert sorted(await asyncio.gather(*held)) == [b"a", b"b"]

    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def _first_answer(watch: Any) -> grpc.StatusCode:
    """OK once the watcher heard a status (its stream stays open), else why it was refused."""
    try:
        await watch.read()
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_a_thousand_idle_health_watchers_do_not_starve_real_calls(tmp_path: Path) -> None:
    # Regression: health needs no token and every Watch stream held one of the server's
    # GRPC_MAX_CONCURRENT_RPCS (1000) slots for as long as it stayed open; a thousand idle ones
    # from nobody left none, and every real call was refused with RESOURCE_EXHAUSTED.
    async with running_tenancy(f"sqlite+aiosqlite:///{tmp_path / 't.db'}") as tenancy:
        bare = [grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") for _ in range(10)]
        request = health_pb2.HealthCheckRequest(service="")
        watches = [health_pb2_grpc.HealthStub(c).Watch(request) for c in bare for _ in range(100)]
        answers = await asyncio.gather(*(_first_answer(w) for w in watches))
        async with channel_to(tenancy.port) as channel:
            started_at = asyncio.get_running_loop().time()
            reply = await TenancyServiceStub(channel).ListGroups(pb.ListGroupsRequest(), timeout=2)
            took = asyncio.get_running_loop().time() - started_at
        for watch in watches:
            watch.cancel()
        for channel_ in bare:
            await channel_.close(None)

    assert answers.count(grpc.StatusCode.OK) == 16  # GRPC_MAX_HEALTH_WATCHERS
    assert answers.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 1000 - 16
    assert list(reply.groups) == []
    assert took < 1.0


async def test_a_closed_health_watcher_gives_its_place_back() -> None:
    async with (
        started(_echo_service(), _settings(grpc_max_health_watchers=1)) as service,
        grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as bare,
    ):
        health = health_pb2_grpc.HealthStub(bare)
        request = health_pb2.HealthCheckRequest(service="")
        first = health.Watch(request)
        first_answer = await _first_answer(first)
        refused = await _first_answer(health.Watch(request))
        first.cancel()
        answers: list[grpc.StatusCode] = []

        async def watched_again() -> bool:
            again = health.Watch(request)
            try:
                answers.append(await _first_answer(again))
            finally:
                again.cancel()
            return answers[-1] == grpc.StatusCode.OK

        # The server sees the cancellation on its own time: ask until it did.
        await eventually(watched_again, 2, every=0.02, what="a watch let in again")

    assert (first_answer, refused, answers[-1]) == (
        grpc.StatusCode.OK,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.OK,
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xff\xff",  # wire format corrupt
        b"\x12\x02\xff\xfe",  # group_title (field 2) that is not UTF-8
        b"\x08" + b"\xff" * 11,  # a varint longer than ten bytes
        b"\x0a\x80\x80\x80\x80\x08",  # a length beyond the message
    ],
)
async def test_bytes_that_are_not_the_request_are_an_invalid_argument_not_unknown(
    tmp_path: Path, raw: bytes
) -> None:
    # grpc answered a deserializer's DecodeError with UNKNOWN, before any interceptor ran.
    async with (
        running_tenancy(f"sqlite+aiosqlite:///{tmp_path / 't.db'}") as tenancy,
        channel_to(tenancy.port) as channel,
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await channel.unary_unary("/gmbot.v1.TenancyService/ProtectGroup", None, None)(raw)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
