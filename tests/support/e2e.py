"""What the end-to-end tests hold of GMBot whole (tests/e2e/conftest.py starts it): the sandbox,
the stack, the proxy in front of Redis; and the scenes they build in it."""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import uuid
from collections import Counter
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
from gmbot.v1 import (
    enforcement_pb2,
    enforcement_pb2_grpc,
    membership_pb2,
    membership_pb2_grpc,
    tenancy_pb2,
    tenancy_pb2_grpc,
)
from tests.support.services import channel_to
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

# Calls a bot makes all the time, whatever happens in the chats.
BACKGROUND = frozenset(
    {
        # Whether GMBot's invite link still works, asked before a warning shows it.
        "editChatInviteLink",
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
# How long a settings panel stays in a group after its last use, in the stack (ten minutes in
# production): long enough for a test's taps on one panel, short enough to watch it go.
PANEL_TTL_SECONDS = 15
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
    # The chats and people that existed when the running test began. Calls to them are an
    # earlier test's work ending late (a raid's last coalesced warnings), never this test's.
    earlier: frozenset[str] = frozenset()
    # The bot's journal as read so far. The stack lives for the session, so a test that polls
    # its calls since a mark would have the sandbox encode (and this process decode) every call
    # since the mark at each look: read, each time, only what is new.
    _read: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def begin_test(self) -> None:
        world = self.sandbox.telegram.world
        self.earlier = frozenset(str(i) for i in (*world.chats, *world.users))

    def _this_tests(self, call: dict[str, Any]) -> bool:
        return str(call["params"].get("chat_id")) not in self.earlier

    async def mark(self) -> int:
        return int((await self.control.counters())["last_seq"])

    async def calls(self, since: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        read_up_to = int(self._read[-1]["seq"]) if self._read else 0
        self._read += await self.control.journal(since=read_up_to, bot_id=self.bot_id)
        first = bisect.bisect_right(self._read, since, key=lambda e: int(e["seq"]))
        return [
            e
            for e in self._read[first:]
            if e["method"] not in BACKGROUND
            and self._this_tests(e)
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
                self._this_tests(call)
                and (chat_id is None or str(call["params"].get("chat_id")) == str(chat_id))
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

    async def board(self, group_id: int) -> enforcement_pb2.GetGroupBoardResponse:
        """What the owners' dashboard reads of a group from enforcement (over gRPC)."""
        async with channel_to(self._port("enforcement"), self.stack.auth_token) as channel:
            return await enforcement_pb2_grpc.EnforcementServiceStub(channel).GetGroupBoard(
                enforcement_pb2.GetGroupBoardRequest(group_id=group_id)
            )

    async def invite_link(self, channel_id: int, group_id: int) -> str:
        """The invite link GMBot made for the group to the channel (its join buttons')."""
        async with channel_to(self._port("enforcement"), self.stack.auth_token) as channel:
            answer = await enforcement_pb2_grpc.EnforcementServiceStub(channel).CreateInviteLink(
                enforcement_pb2.CreateInviteLinkRequest(channel_id=channel_id, group_id=group_id)
            )
        return answer.invite_link

    async def pending_channels(self, user_id: int) -> list[int]:
        """The channels where enforcement counts the user's join request as pending."""
        async with channel_to(self._port("enforcement"), self.stack.auth_token) as channel:
            answer = await enforcement_pb2_grpc.EnforcementServiceStub(
                channel
            ).ListPendingChannelRequests(
                enforcement_pb2.ListPendingChannelRequestsRequest(user_id=user_id)
            )
        return list(answer.channel_ids)

    async def policy(self, group_id: int) -> tenancy_pb2.GroupPolicy:
        """The group's policy as tenancy has it (over gRPC)."""
        async with channel_to(self._port("tenancy"), self.stack.auth_token) as channel:
            answer = await tenancy_pb2_grpc.TenancyServiceStub(channel).GetGroupPolicy(
                tenancy_pb2.GetGroupPolicyRequest(group_id=group_id)
            )
        return answer.policy

    async def administered(self, user_id: int) -> set[int]:
        """The groups membership knows `user_id` administers (over gRPC)."""
        async with channel_to(self._port("membership"), self.stack.auth_token) as channel:
            answer = await membership_pb2_grpc.MembershipServiceStub(
                channel
            ).ListAdministeredGroups(membership_pb2.ListAdministeredGroupsRequest(user_id=user_id))
        return set(answer.group_ids)

    async def administers(self, user_id: int, *groups: int) -> None:
        """Waits until membership knows `user_id` administers every one of `groups` (a promotion's
        `chat_member` update handled)."""

        async def known() -> bool:
            return set(groups) <= await self.administered(user_id)

        await self.wait_for(known)

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


def deleted_messages(calls: list[dict[str, Any]]) -> Counter[str]:
    """Messages deleted, each with how many calls deleted it (a call that failed deletes none)."""
    deleted: Counter[str] = Counter()
    for call in calls:
        if not call["ok"]:
            continue
        if call["method"] == "deleteMessage":
            deleted[str(call["params"]["message_id"])] += 1
        elif call["method"] == "deleteMessages":
            deleted.update(str(i) for i in json.loads(str(call["params"]["message_ids"])))
    return deleted


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
