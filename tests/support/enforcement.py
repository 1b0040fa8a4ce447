"""An enforcement service on port 0 against a sandbox, a real database, and Redis (or not), and
the group its tests play in."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from gmbot.enforcement.app import build
from gmbot.enforcement.domain.actions import Enforce, Kind, MemberAction, NewAction, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.settings import EnforcementSettings
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import ActionRow
from gmbot.runtime.server import RunningService, started
from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient
from gmbot.v1 import enforcement_pb2 as pb
from tests.support.membership import forget_keys
from tests.support.services import TEST_TOKEN

SIGNING_KEY = "k" * 40


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


def enforcement_settings(
    telegram_url: str, bot_token: str, database_url: str, redis_url: str | None, **overrides: object
) -> EnforcementSettings:
    values: dict[str, object] = {
        "auth_token": SecretStr(TEST_TOKEN),
        "grpc_port": 0,
        "metrics_enabled": False,
        "bot_token": SecretStr(bot_token),
        "telegram_api_url": telegram_url,
        "database_url": database_url,
        "migrate_on_start": True,
        "redis_url": redis_url,
        "redis_prefix": (prefix := f"test:{uuid.uuid4().hex}:"),
        # Telegram's budget in Redis too, so tests sharing one Redis never slow each other.
        "budget_redis_prefix": f"{prefix}budget:",
        "callback_signing_key": SecretStr(SIGNING_KEY),
        "warning_coalesce_seconds": 0.2,
        "retry_base_seconds": 0.05,
        "lease_seconds": 3,
        "shutdown_grace_seconds": 2,
        **overrides,
    }
    return EnforcementSettings.model_validate(values)


@asynccontextmanager
async def running_enforcement(settings: EnforcementSettings) -> AsyncIterator[RunningService]:
    try:
        async with started(await build(settings), settings) as service:
            yield service
    finally:
        if settings.redis_url is not None:
            await forget_keys(settings.redis_url, settings.redis_prefix)


async def due_now(database_url: str, kind: Kind, user_id: int) -> int:
    """A member's pending follow-ups of one kind (a renewal, a scheduled kick), due at once
    instead of hours or minutes from now; the sweeper hands them out within a second. Returns
    how many there were."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(
                update(ActionRow)
                .where(
                    ActionRow.kind == kind.value,
                    ActionRow.user_id == user_id,
                    ActionRow.state == State.PENDING.value,
                )
                .values(due_at=now())
            )
        return int(result.rowcount)
    finally:
        await engine.dispose()


async def claimed(database_url: str, group_id: int) -> int:
    """How many of a group's actions a worker holds now (claimed, not finished)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                select(func.count()).where(
                    ActionRow.group_id == group_id, ActionRow.state == State.RUNNING.value
                )
            )
        return int(count or 0)
    finally:
        await engine.dispose()


async def violations_recorded(ledger: Ledger, group_id: int, users: Iterable[int]) -> list[str]:
    """One action a user (a member's message to delete and its author to mute), each recorded
    in a transaction of its own; their ids."""
    ids = []
    for user in users:
        async with ledger.transaction() as stores:
            action_id, _ = await stores.actions.add(
                NewAction(
                    f"u{user}:message",
                    group_id,
                    user,
                    "not_subscribed",
                    Enforce(action=MemberAction.MUTE, message_id=user),
                )
            )
        ids.append(action_id)
    return ids
