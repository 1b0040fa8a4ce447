"""The control API (/_sandbox/…, JSON): what people and tests do to the sandbox's Telegram —
create users and chats, join, leave, post, press buttons, request to join, promote the bot, ban,
remove or restrict members as another administrator — and what they read back: members,
messages, callback answers, the journal, counters. `load` holds the benchmarks' batch calls."""

from __future__ import annotations

from aiohttp import web

from gmbot.sandbox.control.load import LoadControl
from gmbot.sandbox.control.messages import MessageControl
from gmbot.sandbox.control.observe import ObserveControl
from gmbot.sandbox.control.world import WorldControl
from gmbot.sandbox.telegram import Telegram


def control_routes(telegram: Telegram) -> list[web.RouteDef]:
    parts = (WorldControl, MessageControl, ObserveControl, LoadControl)
    return [route for part in parts for route in part(telegram).routes()]
