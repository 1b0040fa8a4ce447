"""New pods get traffic: a server closes each connection after its age, so a client reconnects
(and, through a load balancer or DNS with round robin, may land on a replica added since)."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from pydantic import SecretStr

from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, server_options, started
from gmbot.runtime.settings import ServiceSettings
from tests.support.services import TEST_TOKEN, client_settings

PEER = "/test.Peer/Who"


def _peer_service() -> Service:
    async def who(request: bytes, context: Any) -> bytes:
        return str(context.peer()).encode()

    handler = grpc.method_handlers_generic_handler(
        "test.Peer", {"Who": grpc.unary_unary_rpc_method_handler(who)}
    )
    return Service(
        name="peer",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["test.Peer"],
    )


def _settings(**overrides: Any) -> ServiceSettings:
    return ServiceSettings(
        auth_token=SecretStr(TEST_TOKEN), grpc_port=0, metrics_enabled=False, **overrides
    )


def test_servers_limit_a_connections_age_by_default() -> None:
    options = dict(server_options(_settings()))

    assert options["grpc.max_connection_age_ms"] == 300_000
    assert options["grpc.max_connection_age_grace_ms"] == 30_000


async def test_a_client_reconnects_once_its_connection_is_older_than_the_age() -> None:
    settings = _settings(
        grpc_max_connection_age_seconds=0.5, grpc_max_connection_age_grace_seconds=0.2
    )
    async with started(_peer_service(), settings) as service:
        channel = open_channel(f"127.0.0.1:{service.port}", client_settings())
        who = channel.unary_unary(PEER, None, None)
        first = await who(b"")
        same = await who(b"")
        await asyncio.sleep(1.5)  # past the age (and its jitter) and the grace
        later = await who(b"")
        await channel.close(None)

    # The peer is the client's address and port: a new connection has a new port.
    assert same == first
    assert later != first
