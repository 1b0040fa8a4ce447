"""The bot's own profile: default administrator rights, descriptions; chat actions."""

from __future__ import annotations

import json
import re
from typing import Any

from gmbot.sandbox.errors import bad_request
from gmbot.sandbox.methods import Call, bot_in, method

# ChatAdministratorRights' fields (Bot API 7.x+).
ADMINISTRATOR_RIGHTS = frozenset(
    {
        "is_anonymous",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_post_messages",
        "can_edit_messages",
        "can_pin_messages",
        "can_manage_topics",
        "can_manage_direct_messages",
        "can_send_welcome_messages",
        "can_manage_tags",
    }
)
MENU_BUTTON_TYPES = frozenset({"default", "commands", "web_app"})
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _kind(call: Call) -> str:
    return "channels" if call.flag("for_channels") else "groups"


@method("setMyDefaultAdministratorRights")
async def set_my_default_administrator_rights(call: Call) -> bool:
    rights = call.json("rights") or {}
    if not isinstance(rights, dict) or set(rights) - ADMINISTRATOR_RIGHTS:
        raise bad_request("can't parse rights JSON object")
    call.bot.default_rights[_kind(call)] = {name: bool(value) for name, value in rights.items()}
    return True


@method("getMyDefaultAdministratorRights")
async def get_my_default_administrator_rights(call: Call) -> dict[str, bool]:
    stored = call.bot.default_rights.get(_kind(call), {})
    # Telegram answers every field; the channel rights are false for groups and vice versa.
    return {name: stored.get(name, False) for name in sorted(ADMINISTRATOR_RIGHTS)}


def _language(call: Call) -> str:
    code = call.text("language_code")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("LANG_CODE_INVALID")
    return code


def _set_text(call: Call, field: str, limit: int) -> bool:
    text = call.text(field)
    if len(text) > limit:
        raise bad_request(f"{field.upper()}_INVALID")
    key = f"{field}:{_language(call)}"
    if text:
        call.bot.profile[key] = text
    else:
        call.bot.profile.pop(key, None)
    return True


def _get_text(call: Call, field: str) -> dict[str, str]:
    profile = call.bot.profile
    # A language without its own text gets the default one.
    return {field: profile.get(f"{field}:{_language(call)}", profile.get(f"{field}:", ""))}


@method("setMyDescription")
async def set_my_description(call: Call) -> bool:
    return _set_text(call, "description", DESCRIPTION_LIMIT)


@method("getMyDescription")
async def get_my_description(call: Call) -> dict[str, str]:
    return _get_text(call, "description")


@method("setMyShortDescription")
async def set_my_short_description(call: Call) -> bool:
    return _set_text(call, "short_description", SHORT_DESCRIPTION_LIMIT)


@method("getMyShortDescription")
async def get_my_short_description(call: Call) -> dict[str, str]:
    return _get_text(call, "short_description")


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = call.chat()
    if call.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    if chat.type != "private":
        bot_in(call, chat)
    return True


def _menu_key(call: Call) -> str:
    chat_id = call.text("chat_id")
    if chat_id and call.chat().type != "private":
        raise bad_request("chat not found")
    return f"menu_button:{chat_id}"


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    """A private chat's menu button (or, without chat_id, every private chat's default)."""
    button = call.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        url = str((button.get("web_app") or {}).get("url", ""))
        # Telegram takes HTTPS only; the sandbox also takes the loopback pages `make run` serves.
        if not button.get("text") or not re.match(r"https://|http://127\.0\.0\.1[:/]", url):
            raise bad_request("BUTTON_URL_INVALID")
    call.bot.profile[_menu_key(call)] = json.dumps(button)
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    profile = call.bot.profile
    stored = profile.get(_menu_key(call)) or profile.get("menu_button:")
    button: dict[str, Any] = json.loads(stored) if stored else {"type": "default"}
    return button
