"""The shared runtime on a real server: auth, health, reflection, metrics, request ids, TLS and
graceful stop."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from pydantic import SecretStr

from gmbot.runtime.client import open_channel
from gmbot.runtime.logs import configure_logging, request_id
from gmbot.runtime.server import LIVENESS, RunningService, Service, started
from gmbot.runtime.settings import ClientSettings, ServiceSettings
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1.tenancy_pb2_grpc import TenancyServiceStub
from tests.support.services import TEST_TOKEN, channel_to, client_settings, running_tenancy

SLOW = "/test.Slow/Wait"


@pytest.fixture
async def tenancy(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with running_tenancy(
        f"sqlite+aiosqlite:///{tmp_path / 't.db'}", metrics_enabled=True, metrics_port=0
    ) as s:
        yield s


async def test_a_call_without_the_token_is_unauthenticated(tenancy: RunningService) -> None:
    request = pb.GetGroupPolicyRequest(group_id=-1001000000001)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") as bare:
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await TenancyServiceStub(bare).GetGroupPolicy(request)
    async with channel_to(tenancy.port, token="another-token-0123456789") as wrong:
        with pytest.raises(grpc.aio.AioRpcError) as mismatched:
            await TenancyServiceStub(wrong).GetGroupPolicy(request)

    assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert mismatched.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_answers_serving_without_credentials(tenancy: RunningService) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") as bare:
        health = health_pb2_grpc.HealthStub(bare)
        overall = await health.Check(health_pb2.HealthCheckRequest(service=""))
        tenancy_health = await health.Check(
            health_pb2.HealthCheckRequest(service="gmbot.v1.TenancyService")
        )

    assert overall.status == health_pb2.HealthCheckResponse.SERVING
    assert tenancy_health.status == health_pb2.HealthCheckResponse.SERVING


async def _list_services(channel: grpc.aio.Channel) -> list[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    async for response in responses:
        return [s.name for s in response.list_services_response.service]
    return []


async def test_liveness_and_readiness_are_separate_health_services(
    tenancy: RunningService,
) -> None:
    # Regression: probes asked one overall status, so a service that said NOT_SERVING while it
    # waited out a database outage was killed by its liveness probe.
    not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", "gmbot.v1.TenancyService"):
        await tenancy.health.set(name, not_serving)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") as bare:
        health = health_pb2_grpc.HealthStub(bare)
        ready = await health.Check(health_pb2.HealthCheckRequest(service=""))
        alive = await health.Check(health_pb2.HealthCheckRequest(service=LIVENESS))

    assert ready.status == not_serving
    assert alive.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_services_to_authenticated_callers(
    tenancy: RunningService,
) -> None:
    metadata = (("authorization", f"Bearer {TEST_TOKEN}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") as bare:
        stub = reflection_pb2_grpc.ServerReflectionStub(bare)
        call = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), metadata=metadata
        )
        names = [s.name async for r in call for s in r.list_services_response.service]
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _list_services(bare)

    assert "gmbot.v1.TenancyService" in names
    assert "grpc.health.v1.Health" in names
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_metrics_count_calls_by_method_and_code(tenancy: RunningService) -> None:
    async with channel_to(tenancy.port) as channel:
        with pytest.raises(grpc.aio.AioRpcError):
            await TenancyServiceStub(channel).GetGroupPolicy(
                pb.GetGroupPolicyRequest(group_id=-1001000000001)
            )

    url = f"http://127.0.0.1:{tenancy.metrics_port}/metrics"
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(url).read().decode())

    assert (
        'grpc_server_handled_total{grpc_code="NOT_FOUND",grpc_method="GetGroupPolicy",'
        'grpc_service="gmbot.v1.TenancyService"}' in body
    )
    assert "grpc_server_handling_seconds_bucket" in body


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("tenancy", "INFO", "json", stream)
    yield stream
    root.handlers[:], root.level = handlers, level


async def test_the_request_id_travels_from_caller_to_server_logs(
    tenancy: RunningService, json_logs: io.StringIO
) -> None:
    token = request_id.set("update-4242")
    try:
        async with channel_to(tenancy.port) as channel:
            await TenancyServiceStub(channel).ListOwnerGroups(
                pb.ListOwnerGroupsRequest(owner_user_id=1)
            )
    finally:
        request_id.reset(token)

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    rpc_lines = [line for line in lines if line.get("event") == "rpc"]
    assert rpc_lines[-1]["request_id"] == "update-4242"
    assert rpc_lines[-1]["method"] == "/gmbot.v1.TenancyService/ListOwnerGroups"
    assert rpc_lines[-1]["code"] == "OK"


async def test_probes_that_succeed_are_logged_at_debug_the_calls_with_work_at_info(
    tenancy: RunningService, json_logs: io.StringIO
) -> None:
    async with channel_to(tenancy.port) as channel:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        await TenancyServiceStub(channel).ListOwnerGroups(
            pb.ListOwnerGroupsRequest(owner_user_id=1)
        )

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    logged = [line["method"] for line in lines if line.get("event") == "rpc"]
    assert logged == ["/gmbot.v1.TenancyService/ListOwnerGroups"]


def _slow_service(started_calls: asyncio.Event) -> Service:
    async def wait(request: bytes, context: Any) -> bytes:
        started_calls.set()
        await asyncio.sleep(0.5)
        return request

    handler = grpc.method_handlers_generic_handler(
        "test.Slow", {"Wait": grpc.unary_unary_rpc_method_handler(wait)}
    )
    return Service(
        name="slow",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["test.Slow"],
    )


async def test_graceful_stop_finishes_calls_in_flight() -> None:
    settings = ServiceSettings(
        auth_token=SecretStr(TEST_TOKEN),
        grpc_port=0,
        shutdown_grace_seconds=5,
        metrics_enabled=False,
    )
    in_flight = asyncio.Event()
    async with started(_slow_service(in_flight), settings) as service:
        channel = open_channel(f"127.0.0.1:{service.port}", client_settings())
        call = asyncio.ensure_future(channel.unary_unary(SLOW, None, None)(b"payload"))
        await in_flight.wait()
    # Leaving the block stopped the server; the call begun before the stop completed.
    assert await call == b"payload"
    await channel.close(None)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: S603, S607


def _certificates(directory: Path) -> dict[str, Path]:
    """A test CA, and a server (s) and a client (c) certificate for localhost signed by it."""
    names = ("ca.key", "ca.pem", "s.key", "s.csr", "s.pem", "c.key", "c.csr", "c.pem", "ext.cnf")
    paths = {n: directory / n for n in names}
    paths["ext.cnf"].write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=ca",
        "-keyout",
        str(paths["ca.key"]),
        "-out",
        str(paths["ca.pem"]),
    )
    for who in ("s", "c"):
        _sign_with_ca(paths, who)
    return paths


def _sign_with_ca(paths: dict[str, Path], who: str) -> None:
    """`who`.key and a request for it, then `who`.pem: the request signed by the test CA."""
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        str(paths[f"{who}.key"]),
        "-out",
        str(paths[f"{who}.csr"]),
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(paths[f"{who}.csr"]),
        "-CA",
        str(paths["ca.pem"]),
        "-CAkey",
        str(paths["ca.key"]),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        str(paths["ext.cnf"]),
        "-out",
        str(paths[f"{who}.pem"]),
    )


async def test_mutual_tls_admits_only_clients_with_a_certificate(tmp_path: Path) -> None:
    paths = _certificates(tmp_path)
    settings = ServiceSettings(
        auth_token=SecretStr(TEST_TOKEN),
        grpc_port=0,
        tls_cert_file=paths["s.pem"],
        tls_key_file=paths["s.key"],
        tls_client_ca_file=paths["ca.pem"],
        metrics_enabled=False,
    )
    in_flight = asyncio.Event()
    with_cert = ClientSettings(
        auth_token=SecretStr(TEST_TOKEN),
        tls_ca_file=paths["ca.pem"],
        tls_client_cert_file=paths["c.pem"],
        tls_client_key_file=paths["c.key"],
    )
    without_cert = ClientSettings(auth_token=SecretStr(TEST_TOKEN), tls_ca_file=paths["ca.pem"])
    async with started(_slow_service(in_flight), settings) as service:
        target = f"localhost:{service.port}"
        async with open_channel(target, with_cert) as good:
            assert await good.unary_unary(SLOW, None, None)(b"hello") == b"hello"
        async with open_channel(target, without_cert) as bad:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await bad.unary_unary(SLOW, None, None)(b"hello", timeout=2)

    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
