"""aiogram routers, one per feature: each reads the update, calls a flow, renders the reply."""

from __future__ import annotations

from aiogram import Router

from gmbot.gateway.telegram.routers.bot_status import bot_status_changes
from gmbot.gateway.telegram.routers.go_live_buttons import go_live_buttons
from gmbot.gateway.telegram.routers.group_commands import group_commands
from gmbot.gateway.telegram.routers.group_messages import group_messages
from gmbot.gateway.telegram.routers.member_updates import member_updates
from gmbot.gateway.telegram.routers.member_view import member_view_router
from gmbot.gateway.telegram.routers.owner_buttons import owner_buttons_router
from gmbot.gateway.telegram.routers.private_commands import private_commands
from gmbot.gateway.telegram.routers.protect_setup import protect_setup
from gmbot.gateway.telegram.routers.settings_buttons import settings_buttons
from gmbot.gateway.telegram.routers.stats_buttons import stats_buttons
from gmbot.gateway.telegram.routers.verify_buttons import verify_buttons


def all_routers(signing_key: bytes) -> list[Router]:
    return [
        # Judging comes first: group_commands sees only the messages group_messages hands on.
        group_messages(),
        group_commands(),
        # Before the private commands: the member view's deep link is a /start too.
        member_view_router(),
        private_commands(),
        protect_setup(),
        member_updates(),
        bot_status_changes(),
        owner_buttons_router(),
        settings_buttons(),
        go_live_buttons(),
        stats_buttons(),
        # Last: it takes every press no router before it took.
        verify_buttons(signing_key),
    ]
