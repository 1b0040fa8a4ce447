"""What the end-to-end tests do as people (press a button, write a command, get muted) and what
they read from the Bot API calls the sandbox's journal holds."""

from __future__ import annotations

import json
from string import Formatter
from typing import Any

from gmbot.gateway.settings import GatewaySettings
from gmbot.gateway.texts import CATALOGS, say
from gmbot.v1 import enforcement_pb2 as enforcement
from tests.support.e2e import E2E, Scene

VERIFY_REPEAT_SECONDS = GatewaySettings.model_fields["verify_repeat_seconds"].default

Call = dict[str, Any]


def methods(calls: list[Call]) -> list[str]:
    return [str(c["method"]) for c in calls]


def acts(calls: list[Call]) -> list[Call]:
    """The calls that act on a chat (reading its administrators does not)."""
    return [c for c in calls if c["method"] != "getChatAdministrators"]


def keyboard(call: Call) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = json.loads(str(call["params"]["reply_markup"]))[
        "inline_keyboard"
    ]
    return rows


def button(call: Call, words: str) -> str:
    """The callback data of the call's first button whose text has `words`."""
    return next(b["callback_data"] for row in keyboard(call) for b in row if words in b["text"])


def permissions(call: Call) -> dict[str, bool]:
    granted: dict[str, bool] = json.loads(str(call["params"]["permissions"]))
    return granted


async def press(e2e: E2E, chat: int, message: Call, user: int, data: str) -> Call:
    """Presses a button of a message the bot sent; returns the bot's answer."""
    query = await e2e.control.press(chat, int(message["result"]["message_id"]), user, data)

    async def answered() -> bool:
        return await e2e.control.callback_answer(query) is not None

    await e2e.wait_for(answered)
    answer = await e2e.control.callback_answer(query)
    assert answer is not None
    return answer


async def command(e2e: E2E, chat: int, user: int, text: str, reply_has: str = "") -> Call:
    mark = await e2e.mark()
    await e2e.control.say(chat, user, text)
    return await e2e.wait_for_call(mark, "sendMessage", chat, text=reply_has)


async def muted(e2e: E2E, scene: Scene, name: str) -> Call:
    """The member writes and is muted; returns the warning."""
    user = scene.members[name]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, user, f"hello from {name}")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=user)
    return await e2e.wait_for_call(mark, "sendMessage", scene.group, text=f"{user}")


async def co_admin(e2e: E2E, scene: Scene, *, anonymous: bool = False, language: str = "en") -> int:
    """Someone the owner promotes in the group, who then opens the bot (in `language`)."""
    user = int((await e2e.control.create_user("Carla", language_code=language))["id"])
    await e2e.control.join(scene.group, user)
    await e2e.control.promote(scene.group, user, actor_id=scene.owner, is_anonymous=anonymous)
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, user, "/start")
    # Opened: the welcome answers once GMBot has recorded it; and known as an administrator.
    await e2e.wait_for_call(mark, "sendMessage", user)
    await e2e.administers(user, scene.group)
    return user


async def status_in(e2e: E2E, group: int, user: int) -> str:
    return str((await e2e.control.member(group, user))["status"])


async def status_is(e2e: E2E, group: int, user: int, status: str) -> bool:
    return await status_in(e2e, group, user) == status


async def planned(e2e: E2E, scene: Scene, user: int) -> list[enforcement.ActionRecord]:
    """GMBot's renewals and scheduled kicks of a member."""
    return [
        a
        for a in await e2e.ledger(scene.group)
        if a.user_id == user
        and a.kind in (enforcement.ACTION_KIND_RENEW_MUTE, enforcement.ACTION_KIND_KICK)
    ]


def buttons_of(call: Call) -> list[dict[str, str]]:
    """Every inline button of the message a call sent or edited, row after row."""
    markup = call["params"].get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def data_of(call: Call, text: str) -> str:
    """The callback data of the button whose text is `text`, exactly."""
    return next(b["callback_data"] for b in buttons_of(call) if b["text"] == text)


async def tap(e2e: E2E, group: int, panel_id: int, user: int, data: str) -> Call:
    """Taps a panel button; returns the panel as it is drawn again."""
    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, user, data)
    return await e2e.wait_for_call(mark, "editMessageText", group)


async def in_private(e2e: E2E, user: int, text: str, reply_has: str = "") -> Call:
    """`user` sends `text` to the bot; returns the bot's answer (holding `reply_has`)."""
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, user, text)
    return await e2e.wait_for_call(mark, "sendMessage", user, text=reply_has)


# Stands for a value a test does not know, to read a text up to it.
_UNKNOWN = "\x00"


def head(language: str, key: str, **values: object) -> str:
    """The gateway's text `key` up to its first value the test does not know (every one not
    in `values`): what a message GMBot fills in starts with."""
    names = {n for _, n, _, _ in Formatter().parse(CATALOGS[language].gettext(key)) if n}
    return say(language, key, **dict.fromkeys(names, _UNKNOWN) | values).split(_UNKNOWN)[0]
