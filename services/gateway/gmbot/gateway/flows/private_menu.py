"""The owners' menu in private, as its buttons name it: the actions of its signed buttons
(gmbot.runtime.callbacks.OwnerButton.action), and Back to a group's menu under any view of it
(flows/private_views.py draws the views, flows/settings_panel.py the panel in private)."""

from __future__ import annotations

from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.replies import Reply, owner_button
from gmbot.gateway.texts import say

# A view of the group (the value says which), the group's menu, the list of groups, and
# /unprotect confirmed.
VIEW, MENU, GROUPS, UNPROTECT = "g", "m", "l", "z"


def back(ctx: FlowContext, reply: Reply, group_id: int, language: str) -> Reply:
    """`reply` with Back (to the group's menu) under its buttons."""
    row = (owner_button(ctx.signing_key, say(language, "button_back"), MENU, group_id, 0),)
    return Reply(reply.text, (*reply.rows, row))
