"""A settings panel posted in a group removes itself a while after its last use (the group keeps
no stale panels): enforcement deletes it then, through the ledger's scheduled work, so a restart
loses nothing and several replicas delete it once, at the budget's low priority. Every use asks
again, which moves the time."""

from __future__ import annotations

import structlog

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.flows.context import FlowContext

log = structlog.get_logger("gmbot.gateway.panel_expiry")


async def used(ctx: FlowContext, chat_id: int, message_id: int) -> None:
    """The panel `message_id` in the group `chat_id` was drawn or pressed just now."""
    if not ctx.panel_ttl_seconds:
        return
    try:
        await ctx.clients.enforcement.expire_message(chat_id, message_id, ctx.panel_ttl_seconds)
    except BackendError as error:
        # The panel is there already: it stays until a later use schedules its removal.
        log.warning(
            "settings panel removal not scheduled",
            chat_id=chat_id,
            message_id=message_id,
            error=str(error),
        )
