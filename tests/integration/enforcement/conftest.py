"""An enforcement service over real gRPC with the sandbox as Telegram, a real database
(PostgreSQL, or SQLite) and a real Redis (or the in-process queue), and a group the bot
administers with members in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.sandbox.client import SandboxClient
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.support.databases import fresh_database
from tests.support.enforcement import enforcement_settings, running_enforcement
from tests.support.services import channel_to

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub


@dataclass
class Group:
    sandbox: RunningSandbox
    control: SandboxClient
    token: str
    bot_id: int
    owner: int
    group: int
    channel: int
    # The ledger's database, once the enforcement fixture made it.
    ledger_url: str = ""

    async def member(self, name: str = "M") -> int:
        user = int((await self.control.create_user(name))["id"])
        await self.control.join(self.group, user)
        return user

    async def said(self, user: int, text: str = "spam") -> int:
        return int((await self.control.say(self.group, user, text))["message_id"])

    async def calls(self, method: str) -> list[dict[str, Any]]:
        return await self.control.journal(method=method)

    async def deletions(self) -> list[list[int]]:
        """The message ids of each successful deleteMessage or deleteMessages call, in order."""
        calls = [c for c in await self.control.journal() if c["ok"]]
        return [
            sorted(json.loads(c["params"]["message_ids"]))
            if c["method"] == "deleteMessages"
            else [int(c["params"]["message_id"])]
            for c in calls
            if c["method"] in ("deleteMessage", "deleteMessages")
        ]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def world() -> AsyncIterator[Group]:
    config = SandboxConfig(limits=LimitConfig(enabled=False))
    async with running_sandbox(config=config) as sandbox:
        control = sandbox.control
        bot = await control.create_bot("guard_bot")
        owner = (await control.create_user("Owner"))["id"]
        group = (await control.create_chat("supergroup", "Chat", creator_id=owner))["id"]
        channel = (await control.create_chat("channel", "Private", creator_id=owner))["id"]
        await control.promote(group, bot["user"]["id"])
        await control.promote(channel, bot["user"]["id"])
        yield Group(sandbox, control, bot["token"], bot["user"]["id"], owner, group, channel)


@pytest.fixture(params=["postgres+redis", "sqlite+local"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def enforcement(
    world: Group,
    backend: str,
    postgres_server_url: str,
    redis_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[EnforcementServiceAsyncStub]:
    overrides = getattr(request, "param", {})
    database, queue = backend.split("+")
    async with fresh_database(database, postgres_server_url, tmp_path) as url:
        world.ledger_url = url
        settings = enforcement_settings(
            world.sandbox.url,
            world.token,
            url,
            redis_url if queue == "redis" else None,
            **overrides,
        )
        async with running_enforcement(settings) as service, channel_to(service.port) as channel:
            yield enforcement_pb2_grpc.EnforcementServiceStub(channel)


def warning(**fields: Any) -> pb.WarningSpec:
    values: dict[str, Any] = {
        "language": "en",
        "user_display_name": "Mallory",
        "group_title": "Chat",
        "join_buttons": [pb.JoinButton(text="News", url="https://t.me/news_channel")],
        "ttl_seconds": 300,
    }
    values.update(fields)
    return pb.WarningSpec(**values)
