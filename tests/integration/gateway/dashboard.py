"""The owners' Mini App as its page calls it: launch data signed for a user, API calls with it."""

from __future__ import annotations

import json
import time
from typing import Any

from gmbot.runtime.webapp import sign_init_data
from tests.support.gateway import RunningGateway, World


class Dashboard:
    def __init__(self, gateway: RunningGateway, url: str, token: str) -> None:
        self.gateway, self.url, self.token = gateway, url, token

    def launch(
        self, user_id: int, *, token: str | None = None, age: float = 0, language: str = "en"
    ) -> str:
        user = {"id": user_id, "first_name": "Someone", "language_code": language}
        return sign_init_data(token or self.token, user, int(time.time() - age))

    async def call(
        self, init_data: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"tma {init_data}"}
        verb = self.gateway.session.get if body is None else self.gateway.session.post
        async with verb(self.url + path, headers=headers, json=body) as answer:
            text = await answer.text()
            try:
                return answer.status, json.loads(text)
            except ValueError:
                return answer.status, text


async def protected(world: World, dashboard: Dashboard) -> None:
    """The owner protects the group with the channel: it has settings the Mini App edits."""
    gateway = dashboard.gateway
    mark = await gateway.mark()
    await gateway.control.say(world.group, world.owner, f"/protect @{world.channel_username}")
    await gateway.reply_to(mark, world.group, containing="Done")
