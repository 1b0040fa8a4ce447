"""Who the bot is, how it gets updates, and its command list."""

from __future__ import annotations

import re
from typing import Any

from gmbot.sandbox.errors import bad_request
from gmbot.sandbox.methods import Call, method
from gmbot.sandbox.wire import user_json

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return {
        **user_json(call.bot.user),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    offset = call.number("offset") if call.has("offset") else None
    return await call.bot.queue.get_updates(
        offset, call.number("limit", 100), call.number("timeout", 0), call.json("allowed_updates")
    )


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.text("url")
    if not url:
        await call.bot.queue.delete_webhook(call.flag("drop_pending_updates"))
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.text("secret_token") or None
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = call.number("max_connections", 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    call.bot.queue.set_webhook(
        url,
        secret,
        max_connections,
        call.json("allowed_updates"),
        call.flag("drop_pending_updates"),
    )
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    await call.bot.queue.delete_webhook(call.flag("drop_pending_updates"))
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    return call.bot.queue.webhook_info()


def _scope_key(call: Call) -> str:
    scope = call.json("scope") or {"type": "default"}
    return (
        str(scope.get("type", "default"))
        + ":"
        + str(scope.get("chat_id", ""))
        + ":"
        + call.text("language_code")
    )


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    for command in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    call.bot.commands[_scope_key(call)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    return call.bot.commands.get(_scope_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_scope_key(call), None)
    return True
