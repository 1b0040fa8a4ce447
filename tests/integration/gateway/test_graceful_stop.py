"""A stopping gateway says so before it stops taking updates: load balancers (and Kubernetes'
endpoints) move the next deliveries to other replicas while this one still answers them."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web

from gmbot.gateway.app import Gateway
from tests.support.gateway import World, running_gateway


async def _readiness(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status


async def test_readiness_says_not_ready_before_the_webhook_stops_taking_updates(
    world: World, tmp_path: Path
) -> None:
    readiness_when_intake_stopped: list[int] = []
    urls: list[str] = []

    def watch(gateway: Gateway) -> None:
        assert gateway.webhook is not None
        urls.append(f"http://127.0.0.1:{gateway.settings.admin_port}/readyz")

        async def intake_stops(_app: web.Application) -> None:
            # The webhook server's shutdown: from here on it takes no new delivery.
            readiness_when_intake_stopped.append(await _readiness(urls[0]))

        gateway.webhook.on_shutdown.append(intake_stops)

    async with running_gateway(world.sandbox, world.token, world.bot_id, tmp_path, on_built=watch):
        ready_while_running = await _readiness(urls[0])

    assert ready_while_running == 200
    assert readiness_when_intake_stopped == [503]
