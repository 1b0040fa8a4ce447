"""Seeding a world from a scenario file (the demo's: sandbox/demo.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gmbot.sandbox.telegram import BotAccount, Telegram
from gmbot.sandbox.world import ADMIN_RIGHTS, Member

DEMO = Path(__file__).resolve().parent / "demo.json"
BOT = "@bot"


@dataclass
class Seeded:
    bot: BotAccount
    users: dict[str, int] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)


def seed(telegram: Telegram, scenario: dict[str, Any]) -> Seeded:
    """Builds the scenario's world silently: it exists before any bot listens."""
    bot_spec = scenario["bot"]
    seeded = Seeded(
        telegram.create_bot(
            bot_spec["username"], bot_spec.get("first_name", ""), bot_spec.get("token")
        )
    )
    world = telegram.world
    for name, spec in scenario.get("users", {}).items():
        seeded.users[name] = world.add_user(**spec).id
    for kind, key in (("channel", "channels"), ("supergroup", "groups")):
        for name, spec in scenario.get(key, {}).items():
            spec = dict(spec)
            linked = spec.pop("linked_channel", None)
            chat = world.add_chat(kind, **spec)
            seeded.chats[name] = chat.id
            if linked is not None:
                channel = world.chats[seeded.chats[linked]]
                chat.linked_chat_id, channel.linked_chat_id = channel.id, chat.id
    for entry in scenario.get("members", []):
        user_id = seeded.bot.user.id if entry["user"] == BOT else seeded.users[entry["user"]]
        status = entry["status"]
        rights = entry.get("rights")
        if status == "administrator" and rights is None:
            rights = dict.fromkeys(ADMIN_RIGHTS, True)
        world.set_member(seeded.chats[entry["chat"]], Member(user_id, status, rights=rights or {}))
    return seeded


def load(path: Path) -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(path.read_text())
    return scenario
