"""A gateway behind a webhook: Telegram's secret checked, a redelivered update handled once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest

from gmbot.devstack.processes import Child, wait_http
from gmbot.devstack.stack import RunningStack, free_port
from tests.support.deployments import own_deployment
from tests.support.e2e import E2E


@dataclass
class Webhooked:
    url: str
    secret: str
    bot_id: int
    stack: RunningStack


@pytest.fixture(scope="module")
async def webhooked(
    e2e: E2E, postgres_server_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Webhooked]:
    """A deployment of its own (one bot per deployment) whose gateway takes updates by webhook."""
    async with own_deployment(
        e2e, "gmbot_webhook_bot", tmp_path_factory, postgres_server_url, redis_url, webhook=True
    ) as deployed:
        env = deployed.stack.child("gateway").env
        yield Webhooked(env["WEBHOOK_URL"], env["WEBHOOK_SECRET"], deployed.bot_id, deployed.stack)


async def _post(url: str, body: object, secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as answer,
    ):
        return answer.status


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_processed(
    e2e: E2E, webhooked: Webhooked
) -> None:
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/start",
        },
    }
    mark = await e2e.mark()

    wrong = await _post(webhooked.url, update, "not-the-secret")
    missing = await _post(webhooked.url, update, None)
    await e2e.settle()

    assert (wrong, missing) == (401, 401)
    assert [
        c
        for c in await e2e.control.journal(since=mark, bot_id=webhooked.bot_id)
        if c["method"] == "sendMessage"
    ] == []


async def test_updates_arrive_by_webhook_and_a_redelivery_is_handled_once(
    e2e: E2E, webhooked: Webhooked
) -> None:
    control = e2e.control
    owner = int((await control.create_user("WebhookOwner"))["id"])
    carol = int((await control.create_user("WebhookCarol"))["id"])
    group = int((await control.create_chat("supergroup", "Webhook group", creator_id=owner))["id"])
    username = f"hooked{abs(group) % 100000}"
    channel = int(
        (await control.create_chat("channel", "Hooked", username=username, creator_id=owner))["id"]
    )
    await control.promote(group, webhooked.bot_id)
    await control.promote(channel, webhooked.bot_id)
    await control.join(group, carol)
    mark = await e2e.mark()
    await control.say(group, owner, f"/protect @{username}")
    await e2e.wait_for(lambda: _sent(e2e, mark, webhooked.bot_id, username))
    mark = await e2e.mark()

    await control.say(group, carol, "hello")
    await e2e.wait_for(lambda: _restricts(e2e, mark, webhooked.bot_id, 1))
    delivered = (await control.bot_updates(webhooked.bot_id))["delivered"]
    message_update = next(
        u for u in reversed(delivered) if u.get("message", {}).get("text") == "hello"
    )
    again = await _post(webhooked.url, message_update, webhooked.secret)
    await e2e.settle(1.5)

    assert again == 200
    assert await _restricts(e2e, mark, webhooked.bot_id, 1)


async def _sent(e2e: E2E, mark: int, bot_id: int, text: str) -> bool:
    calls = await e2e.control.journal(since=mark, bot_id=bot_id, method="sendMessage")
    return any(text in c["params"]["text"] for c in calls)


async def _restricts(e2e: E2E, mark: int, bot_id: int, count: int) -> bool:
    calls = await e2e.control.journal(since=mark, bot_id=bot_id, method="restrictChatMember")
    return len(calls) == count


@asynccontextmanager
async def second_gateway(webhooked: Webhooked) -> AsyncIterator[str]:
    """Another replica of the gateway beside the first (Telegram keeps delivering to the first:
    it registers the same webhook URL); yields its own webhook URL."""
    port, admin_port = free_port(), free_port()
    env = {
        **webhooked.stack.child("gateway").env,
        "HTTP_PORT": str(port),
        "ADMIN_PORT": str(admin_port),
    }
    replica = Child("gateway-2", "gmbot.gateway", env)
    await replica.start(webhooked.stack.config.log_dir)
    try:
        await wait_http("gateway-2", f"http://127.0.0.1:{admin_port}/readyz", replica)
        yield f"http://127.0.0.1:{port}/telegram/webhook"
    finally:
        await replica.stop()


def _message(update_id: int, group: int, user: int, message_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": group, "type": "supergroup", "title": "Replicas"},
            "from": {"id": user, "is_bot": False, "first_name": "Dana"},
            "text": "hello",
        },
    }


async def test_a_channel_leave_seen_by_one_replica_reaches_the_decisions_of_another(
    e2e: E2E, webhooked: Webhooked
) -> None:
    control = e2e.control
    owner = int((await control.create_user("ReplicaOwner"))["id"])
    dana = int((await control.create_user("ReplicaDana"))["id"])
    group = int((await control.create_chat("supergroup", "Replicas", creator_id=owner))["id"])
    username = f"replicas{abs(group) % 100000}"
    channel = int(
        (await control.create_chat("channel", "Replicas", username=username, creator_id=owner))[
            "id"
        ]
    )
    await control.promote(group, webhooked.bot_id)
    await control.promote(channel, webhooked.bot_id)
    await control.join(channel, dana)
    await control.join(group, dana)
    mark = await e2e.mark()
    await control.say(group, owner, f"/protect @{username}")
    await e2e.wait_for(lambda: _sent(e2e, mark, webhooked.bot_id, username))

    async with second_gateway(webhooked) as replica:
        # The replica learns Dana is subscribed, and keeps that answer near its decisions.
        assert await _post(replica, _message(990_001, group, dana, 70_001), webhooked.secret) == 200
        await e2e.settle(1.5)  # the replica tells membership where Dana was seen, in its batch
        mark = await e2e.mark()
        await control.leave(channel, dana)  # delivered to the first replica
        await e2e.wait_for(lambda: _restricts(e2e, mark, webhooked.bot_id, 1))

        late = await _post(replica, _message(990_002, group, dana, 70_002), webhooked.secret)
        await e2e.wait_for(lambda: _deleted(e2e, mark, webhooked.bot_id, 70_002))

    assert late == 200
    # Decided from the replica's own copy, corrected by the stream: not one more check.
    checks = await e2e.control.journal(since=mark, bot_id=webhooked.bot_id, method="getChatMember")
    assert [c for c in checks if c["params"].get("user_id") in (dana, str(dana))] == []


async def _deleted(e2e: E2E, mark: int, bot_id: int, message_id: int) -> bool:
    calls = await e2e.control.journal(since=mark, bot_id=bot_id)
    return any(
        c["method"] in ("deleteMessage", "deleteMessages")
        and str(message_id) in str(c["params"].get("message_id", c["params"].get("message_ids")))
        for c in calls
    )


async def test_the_webhook_gateway_killed_mid_burst_loses_nothing_and_recovers_fast(
    e2e: E2E, webhooked: Webhooked
) -> None:
    """SIGKILL while Telegram is delivering a burst, then restarted: the deliveries it dropped
    come again (Telegram retries a webhook that failed) and are judged, nobody is muted twice,
    and the group moves again within seconds: a dead replica's claims lapse in seconds."""
    control = e2e.control
    owner = int((await control.create_user("KilledOwner"))["id"])
    group = int((await control.create_chat("supergroup", "Killed", creator_id=owner))["id"])
    username = f"killed{abs(group) % 100000}"
    channel = int(
        (await control.create_chat("channel", "Killed", username=username, creator_id=owner))["id"]
    )
    await control.promote(group, webhooked.bot_id)
    await control.promote(channel, webhooked.bot_id)
    raiders = [int((await control.create_user(f"Raider{n}"))["id"]) for n in range(8)]
    for raider in raiders:
        await control.join(group, raider)
    mark = await e2e.mark()
    await control.say(group, owner, f"/protect @{username}")
    await e2e.wait_for(lambda: _sent(e2e, mark, webhooked.bot_id, username))
    await e2e.settle(1.0)
    gateway = webhooked.stack.child("gateway")
    mark = await e2e.mark()

    said = []
    for n, raider in enumerate(raiders):
        said.append(await control.say(group, raider, f"spam {n}"))
        if n == 3:
            gateway.kill()
    await webhooked.stack.restart("gateway")
    restarted = time.monotonic()
    await e2e.wait_for(lambda: _restricts(e2e, mark, webhooked.bot_id, len(raiders)), seconds=40)
    recovered = time.monotonic() - restarted
    await e2e.settle(2.0)

    assert recovered < 15
    restricted = await control.journal(
        since=mark, bot_id=webhooked.bot_id, method="restrictChatMember"
    )
    assert sorted(int(c["params"]["user_id"]) for c in restricted) == sorted(raiders)
    for message in said:
        assert await _deleted(e2e, mark, webhooked.bot_id, int(message["message_id"]))
