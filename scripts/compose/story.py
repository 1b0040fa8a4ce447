"""The demo story, played through the sandbox's control API against the running stack."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from gmbot.sandbox.client import SandboxClient


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:.0f}s")
        await asyncio.sleep(0.5)


async def _protect(control: SandboxClient, ids: dict[str, int]) -> None:
    await control.say(ids["chat"], ids["owner"], f"/protect @gmbot_news {ids['vip']}")

    async def protected() -> bool:
        sent = await control.journal(method="sendMessage")
        return any("gmbot_news" in str(e["params"].get("text", "")) for e in sent)

    await eventually(protected, "the owner's /protect answered")


async def story(sandbox: str, ids: dict[str, int], newcomer: str | None = None) -> None:
    """Protect the chat; a non-subscriber writes and is muted; joins the channels; is unmuted."""
    control = SandboxClient(sandbox)
    chat, news, vip = ids["chat"], ids["news"], ids["vip"]
    try:
        if newcomer is None:
            await _protect(control, ids)
            user = ids["carol"]
        else:
            user = int((await control.create_user(newcomer))["id"])
            await control.join(chat, user)
        print(f"   chat protected; user {user} writes without following the channels")
        await control.say(chat, user, "hello")

        async def status(expected: str) -> bool:
            return bool((await control.member(chat, user))["status"] == expected)

        await eventually(lambda: status("restricted"), f"user {user} muted")
        print(f"   user {user} muted; joins both channels")
        await control.join(news, user)
        await control.join(vip, user)
        await eventually(lambda: status("member"), f"user {user} unmuted")
        print(f"   user {user} unmuted without pressing anything")
    finally:
        await control.close()
