"""Whose work a call is travels with it: a back end's Bot API calls made for a group's update
take that group's turn in the budget (gmbot.runtime.budget.fairness), and count for the caller
in the budget's metrics, over a real server."""

from __future__ import annotations

from typing import Any

import grpc
from pydantic import SecretStr

from gmbot.runtime.budget.fairness import for_group, work_for
from gmbot.runtime.callers import current_caller
from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ServiceSettings
from tests.support.services import TEST_TOKEN, client_settings

WHOSE = "/test.Whose/Ask"
GROUP = -1001234567890


def _whose_service() -> Service:
    async def ask(request: bytes, context: Any) -> bytes:
        return f"{work_for.get()} {current_caller.get()}".encode()

    handler = grpc.method_handlers_generic_handler(
        "test.Whose", {"Ask": grpc.unary_unary_rpc_method_handler(ask)}
    )
    return Service(
        name="whose",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["test.Whose"],
    )


async def test_the_group_a_call_is_made_for_is_the_servers_for_that_call() -> None:
    settings = ServiceSettings(auth_token=SecretStr(TEST_TOKEN), grpc_port=0, metrics_enabled=False)
    async with started(_whose_service(), settings) as service:
        channel = open_channel(f"127.0.0.1:{service.port}", client_settings())
        ask = channel.unary_unary(WHOSE, None, None)
        token = work_for.set(GROUP)  # as the server's interceptor sets it for its own calls
        try:
            set_around = await ask(b"")
        finally:
            work_for.reset(token)
        named = await ask(b"", metadata=for_group(GROUP + 1))
        nobody = await ask(b"")
        await channel.close(None)

    # The shared AUTH_TOKEN's caller is `shared`.
    assert set_around == f"{GROUP} shared".encode()
    assert named == f"{GROUP + 1} shared".encode()
    assert nobody == b"None shared"
