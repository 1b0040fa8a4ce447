"""What the end-to-end tests hold of GMBot whole (tests/e2e/conftest.py starts it): the sandbox,
the stack, the proxy in front of Redis; and the scenes they build in it."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from prometheus_client.parser import text_string_to_metric_families

from gmbot.devstack.stack import RunningStack
from gmbot.gateway.telegram.profile import telegram_code
from gmbot.gateway.texts import LANGUAGES, say
from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient
from gmbot.v1 import enforcement_pb2, enforcement_pb2_grpc, tenancy_pb2, tenancy_pb2_grpc
from tests.support.services import channel_to
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

# Calls a bot makes all the time, whatever happens in the chats.
BACKGROUND = frozenset(
    {
        "getUpdates",
        "getWebhookInfo",
        "setMyCommands",
        "deleteWebhook",
        "getMe",
        "setMyDescription",
        "setMyShortDescription",
        "setMyDefaultAdministratorRights",
        # "typing…" while a slow command runs: test_setup.py looks for it in the journal itself.
        "sendChatAction",
    }
)
# Observe mode's digest period in the stack (an hour in production).
DIGEST_SECONDS = 3
_names = itertools.count(1)


@dataclass
class Scene:
    """A protected supergroup with one public channel, an owner, and members."""

    group: int
    channel: int
    channel_username: str
    owner: int
    members: dict[str, int] = field(default_factory=dict)


@dataclass
class E2E:
    sandbox: RunningSandbox
    control: SandboxClient
    stack: RunningStack
    proxy: TcpProxy
    bot_id: int
    prefix: str

    async def mark(self) -> int:
        return int((await self.control.counters())["last_seq"])

    async def calls(self, since: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        entries = await self.control.journal(since=since, bot_id=self.bot_id)
        return [
            e
            for e in entries
            if e["method"] not in BACKGROUND
            and (chat_id is None or str(e["params"].get("chat_id")) == str(chat_id))
        ]

    async def wait_for(
        self, condition: Callable[[], Awaitable[bool]], seconds: float = 20.0
    ) -> None:
        await eventually(condition, seconds, every=0.1, what="the expected Bot API calls")

    async def wait_for_call(
        self,
        since: int,
        method: str,
        chat_id: int | None = None,
        seconds: float = 20.0,
        text: str = "",
        **params: object,
    ) -> dict[str, Any]:
        """The bot's first `method` call after `since` (in `chat_id`, its text holding `text`,
        with `params`), awaited on the sandbox's journal: each read is held until a new call of
        the method is made, so the wait ends with the call, not at the next look."""

        def wanted(call: dict[str, Any]) -> bool:
            return (
                (chat_id is None or str(call["params"].get("chat_id")) == str(chat_id))
                and text in str(call["params"].get("text", ""))
                and all(str(call["params"].get(k)) == str(v) for k, v in params.items())
            )

        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            calls = await self.control.journal(method, self.bot_id, since, wait=left)
            if found := [c for c in calls if wanted(c)]:
                return found[0]
            since = max([since, *(int(c["seq"]) for c in calls)])
        raise AssertionError(f"the bot made no such {method} call within {seconds:g} s")

    def _port(self, service: str) -> int:
        return int(self.stack.addresses[service].rsplit(":", 1)[1])

    async def ledger(self, group_id: int) -> list[enforcement_pb2.ActionRecord]:
        """Enforcement's recent actions in a group, newest first (over gRPC)."""
        async with channel_to(self._port("enforcement"), self.stack.auth_token) as channel:
            answer = await enforcement_pb2_grpc.EnforcementServiceStub(channel).ListRecentActions(
                enforcement_pb2.ListRecentActionsRequest(group_id=group_id, limit=200)
            )
        return list(answer.actions)

    async def policy(self, group_id: int) -> tenancy_pb2.GroupPolicy:
        """The group's policy as tenancy has it (over gRPC)."""
        async with channel_to(self._port("tenancy"), self.stack.auth_token) as channel:
            answer = await tenancy_pb2_grpc.TenancyServiceStub(channel).GetGroupPolicy(
                tenancy_pb2.GetGroupPolicyRequest(group_id=group_id)
            )
        return answer.policy

    async def gateway_ready(self) -> None:
        """Waits until the gateway reaches every back end again (its /readyz)."""

        async def ready() -> bool:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{self.stack.gateway_url}/readyz") as answer,
            ):
                return answer.status == 200

        await eventually(ready, 30, every=0.1, what="the gateway's /readyz answering 200")

    async def profile_published(self, bot: Bot) -> None:
        """Waits until the gateway has published its menus and descriptions, which it does at
        the budget's lowest priority after start-up (the last of them: Turkish's short one)."""

        last = LANGUAGES[-1]

        async def published() -> bool:
            answer = await bot.get_my_short_description(language_code=telegram_code(last))
            return answer.short_description == say(last, "short_description")

        # Asked once a second: the bot's own calls count against the sandbox's limits too.
        await eventually(published, 90, every=1, what="the menus and descriptions published")

    async def settle(self, seconds: float = 1.0) -> None:
        """Long enough for a decision that should not happen to show up if it did."""
        await asyncio.sleep(seconds)

    async def scene(self, *people: tuple[str, bool], language: str = "en") -> Scene:
        n = next(_names)
        owner = int((await self.control.create_user(f"Owner{n}", language_code=language))["id"])
        await self.control.say_to_bot(self.bot_id, owner, "/start")
        group = int(
            (await self.control.create_chat("supergroup", f"Group {n}", creator_id=owner))["id"]
        )
        username = f"chan{n}_{uuid.uuid4().hex[:6]}"
        channel = int(
            (
                await self.control.create_chat(
                    "channel", f"Channel {n}", username=username, creator_id=owner
                )
            )["id"]
        )
        await self.control.promote(group, self.bot_id)
        await self.control.promote(channel, self.bot_id)
        mark = await self.mark()
        scene = Scene(group, channel, username, owner)
        for name, follows in people:
            user = int((await self.control.create_user(name))["id"])
            if follows:
                await self.control.join(channel, user)
            await self.control.join(group, user)
            scene.members[name] = user
        await self.control.say(group, owner, f"/protect @{username}")
        await self.wait_for_call(mark, "sendMessage", group, text=username)
        await self.settle(0.5)
        return scene


def log_of(e2e: E2E, service: str) -> str:
    log_dir = e2e.stack.config.log_dir
    assert log_dir is not None
    path = Path(log_dir) / f"{service}.log"
    return path.read_text() if path.exists() else ""


async def gateway_metric(e2e: E2E, name: str, **labels: str) -> float:
    """The sum of a gateway metric's samples whose labels include `labels`."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{e2e.stack.gateway_url}/metrics") as answer,
    ):
        text = await answer.text()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total
