"""What an internal caller meets: a sandbox with a channel, a follower and a stranger, and a live
membership service that knows the caller only by its own token (scope `membership-read`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from gmbot.runtime.callers import token_digest
from gmbot.sandbox.app import running_sandbox
from tests.support.membership import running_membership

CALLER_TOKEN = "billing-token-" + "0123456789abcdef" * 2
# Membership is given the token's digest only, as the README asks.
BILLING_DIGEST = token_digest(CALLER_TOKEN)


@dataclass
class CallerWorld:
    address: str
    channel: int
    follower: int
    stranger: int


@asynccontextmanager
async def caller_world(auth_callers: str | None = None) -> AsyncIterator[CallerWorld]:
    """`auth_callers` replaces the default entry (`billing`, with CALLER_TOKEN)."""
    async with running_sandbox() as sandbox:
        control = sandbox.control
        bot = await control.create_bot("gmbot_example_bot")
        channel = int((await control.create_chat("channel", "News", username="example_news"))["id"])
        await control.promote(channel, int(bot["user"]["id"]))
        follower = int((await control.create_user("Ann"))["id"])
        stranger = int((await control.create_user("Bob"))["id"])
        await control.join(channel, follower)
        async with running_membership(
            sandbox.url,
            bot["token"],
            None,
            auth_token=None,
            auth_callers=SecretStr(
                auth_callers or f"billing:membership-read:sha256:{BILLING_DIGEST}"
            ),
            caller_token=SecretStr("membership-own-token-0123456789abcdef"),
        ) as service:
            yield CallerWorld(f"127.0.0.1:{service.port}", channel, follower, stranger)
