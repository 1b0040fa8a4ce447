"""The gateway as it runs in production (`build`, then `started`, in webhook mode) inside the
test process, with tenancy, membership and enforcement on port 0 and the sandbox as Telegram."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client import REGISTRY
from pydantic import SecretStr
from yarl import URL

from gmbot.devstack.stack import free_port
from gmbot.gateway.app import Gateway, build, started
from gmbot.gateway.intake.webhook import SECRET_HEADER, WEBHOOK_PATH
from gmbot.gateway.settings import GatewaySettings
from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient
from tests.support.enforcement import SIGNING_KEY, enforcement_settings, running_enforcement
from tests.support.membership import running_membership
from tests.support.services import TEST_TOKEN, running_tenancy
from tests.support.waiting import eventually


@dataclass
class World:
    """An owner's supergroup and public channel the bot administers, a basic group too, and a
    member of both groups who does not follow the channel."""

    sandbox: RunningSandbox
    token: str
    bot_id: int
    owner: int
    member: int
    group: int
    basic_group: int
    channel: int
    channel_username: str


@dataclass
class RunningGateway:
    sandbox: RunningSandbox
    control: SandboxClient
    url: str
    secret: str
    bot_id: int
    session: aiohttp.ClientSession

    async def post(
        self, body: object, *, secret: str | bytes | None = None, raw: bytes | None = None
    ) -> int:
        """Posts to the webhook as Telegram would; returns the HTTP status."""
        presented = self.secret if secret is None else secret
        headers = {"Content-Type": "application/json"}
        data = raw if raw is not None else json.dumps(body).encode()
        if isinstance(presented, bytes):
            return await _post_raw(self.url, data, presented)
        headers[SECRET_HEADER] = presented
        async with self.session.post(self.url, data=data, headers=headers) as answer:
            return answer.status

    async def calls(self, method: str, since: int = 0) -> list[dict[str, Any]]:
        return await self.control.journal(method=method, bot_id=self.bot_id, since=since)

    async def mark(self) -> int:
        return int((await self.control.counters())["last_seq"])

    async def reply_to(
        self, since: int, chat_id: int, containing: str = "", seconds: float = 15.0
    ) -> list[str]:
        """Waits for the bot's first message in `chat_id` after `since` (holding `containing`);
        returns every text it sent there since (a chat's updates are handled in order, so what
        came before the command has been handled by then)."""
        sent: list[str] = []

        async def said() -> bool:
            sent[:] = [
                str(c["params"].get("text", ""))
                for c in await self.calls("sendMessage", since)
                if str(c["params"].get("chat_id")) == str(chat_id)
            ]
            return any(containing in text for text in sent)

        await eventually(said, seconds, what=f"the bot's reply in {chat_id}")
        return sent


def updates_failed() -> float:
    """Updates the gateway confirmed after an unhandled exception, since the process started."""
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "gmbot_gateway_updates":
            total += sum(
                s.value
                for s in metric.samples
                if s.name.endswith("_total") and s.labels.get("outcome") == "failed"
            )
    return total


def rpcs_served(service: str, method: str) -> float:
    """Calls of `method` the in-process back ends answered (any status), since the start."""
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "grpc_server_handled":
            total += sum(
                s.value
                for s in metric.samples
                if s.name.endswith("_total")
                and s.labels.get("grpc_service") == f"gmbot.v1.{service}"
                and s.labels.get("grpc_method") == method
            )
    return total


async def _post_raw(url: str, body: bytes, secret: bytes) -> int:
    """A request whose secret header holds bytes no HTTP client library would send."""
    target = URL(url)
    reader, writer = await asyncio.open_connection(target.host, target.port)
    try:
        writer.write(
            b"POST "
            + target.path.encode()
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + SECRET_HEADER.encode()
            + b": "
            + secret
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )
        await writer.drain()
        status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()


async def _wait_ready(session: aiohttp.ClientSession, base: str) -> None:

    async def ready() -> bool:
        try:
            async with session.get(f"{base}/readyz") as answer:
                return answer.status == 200
        except aiohttp.ClientConnectionError:
            return False

    await eventually(ready, 15, what="the gateway's /readyz answering 200")


async def _wait_drained(control: SandboxClient, bot_id: int) -> None:
    """Until the gateway handled what happened before the test (the bot added to its chats):
    a test's first reply is then the answer to what the test did."""

    async def drained() -> bool:
        return int((await control.bot_queue(bot_id))["pending"]) == 0

    await eventually(drained, 15, what="the gateway handling the updates waiting for it")


def _gateway_settings(
    sandbox: RunningSandbox,
    token: str,
    port: int,
    admin_port: int,
    secret: str,
    addresses: dict[str, str],
    directory: Path,
    overrides: dict[str, object],
) -> GatewaySettings:
    """A gateway taking updates by webhook on `port` from `sandbox`, the back ends at
    `addresses`, its files in `directory`; `overrides` win."""
    values: dict[str, object] = {
        "webhook_spool_file": directory / "gateway-webhook-spool.jsonl",
        "poll_spool_file": directory / "gateway-poll-spool.jsonl",
        "second_look_file": directory / "gateway-second-looks.jsonl",
        "auth_token": SecretStr(TEST_TOKEN),
        "bot_token": SecretStr(token),
        "telegram_api_url": sandbox.url,
        **addresses,
        "callback_signing_key": SecretStr(SIGNING_KEY),
        "webhook_url": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "webhook_secret": SecretStr(secret),
        "http_port": port,
        "admin_port": admin_port,
        "grpc_deadline_seconds": 10,
        "shutdown_grace_seconds": 1,
        **overrides,
    }
    return GatewaySettings.model_validate(values)


@asynccontextmanager
async def running_gateway(
    sandbox: RunningSandbox,
    token: str,
    bot_id: int,
    directory: Path,
    tenancy_url: str | None = None,
    on_built: Callable[[Gateway], None] | None = None,
    **overrides: object,
) -> AsyncIterator[RunningGateway]:
    """The four services against `sandbox`, SQLite (or `tenancy_url`) and in-process caches;
    the gateway takes updates by webhook (the sandbox delivers what happens in its world, tests
    may post too). `on_built` sees the gateway built, before it starts."""
    async with AsyncExitStack() as stack:
        tenancy = await stack.enter_async_context(
            running_tenancy(tenancy_url or f"sqlite+aiosqlite:///{directory / 'tenancy.db'}")
        )
        # Telegram's 20 messages a minute in a group spaced 150 fuzzed commands' answers over
        # two minutes; these sandboxes count no limits (the e2e stack and the budget's own tests
        # hold GMBot to them), so a group's messages are spaced as little as the budget allows.
        ledger = f"sqlite+aiosqlite:///{directory / 'ledger.db'}"
        enforcement = await stack.enter_async_context(
            running_enforcement(
                enforcement_settings(
                    sandbox.url, token, ledger, None, group_messages_per_minute=1000
                )
            )
        )
        # Without Redis, Telegram's budget is enforcement's, leased by the others.
        budget_addr = f"127.0.0.1:{enforcement.port}"
        membership = await stack.enter_async_context(
            running_membership(sandbox.url, token, None, budget_addr=budget_addr)
        )
        port, admin_port = free_port(), free_port()
        secret = secrets.token_urlsafe(24)
        addresses = {
            "tenancy_addr": f"127.0.0.1:{tenancy.port}",
            "membership_addr": f"127.0.0.1:{membership.port}",
            "enforcement_addr": f"127.0.0.1:{enforcement.port}",
            "budget_addr": budget_addr,
        }
        settings = _gateway_settings(
            sandbox, token, port, admin_port, secret, addresses, directory, overrides
        )
        gateway = await build(settings)
        if on_built is not None:
            on_built(gateway)
        await stack.enter_async_context(started(gateway))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        await _wait_ready(session, f"http://127.0.0.1:{admin_port}")
        await _wait_drained(sandbox.control, bot_id)
        yield RunningGateway(
            sandbox,
            sandbox.control,
            f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            secret,
            bot_id,
            session,
        )
