"""The gateway's two HTTP faces keep apart: what Telegram reaches serves the webhook and nothing
else; health, metrics and the dead letters answer only on the operators' port."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gmbot.gateway.endpoints import DEAD_LETTERS_PATH, admin_app, webhook_app
from gmbot.gateway.intake.webhook import WEBHOOK_PATH


async def _ready() -> dict[str, bool]:
    return {"telegram": True}


async def _webhook(_request: web.Request) -> web.Response:
    return web.json_response({})


async def test_the_webhook_port_serves_the_webhook_only() -> None:
    async with TestClient(TestServer(webhook_app(_webhook))) as client:
        delivered = await client.post(WEBHOOK_PATH, json={"update_id": 1})
        hidden = [(await client.get(path)).status for path in ("/metrics", "/readyz", "/healthz")]
        desk = await client.get(DEAD_LETTERS_PATH)

    assert delivered.status == 200
    assert hidden == [404, 404, 404]
    assert desk.status == 404


async def test_the_operators_port_serves_health_and_metrics_but_no_webhook() -> None:
    async with TestClient(TestServer(admin_app(_ready))) as client:
        alive = await client.get("/healthz")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")
        webhook = await client.post(WEBHOOK_PATH, json={"update_id": 1})

        assert (alive.status, ready.status, metrics.status) == (200, 200, 200)
        assert await ready.json() == {"ready": True, "checks": {"telegram": True}}
        assert "gmbot_gateway" in await metrics.text()
    assert webhook.status in (404, 405)
