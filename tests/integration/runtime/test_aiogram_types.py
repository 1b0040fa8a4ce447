"""gmbot.runtime.aiogram_types: aiogram imported with its types left to be built, and each one
built on first use into the very schema aiogram's own import builds. Each side runs in a fresh
interpreter (one that imported aiogram already has every type built)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_LAZY = "from gmbot.runtime.aiogram_types import import_aiogram\nimport_aiogram()\n"
_EAGER = "import aiogram\n"
# Update holds nearly every type; the methods are those the back ends call.
_SCHEMAS = """
import json, sys, warnings
from aiogram import methods, types
warnings.simplefilter("ignore")  # aiogram's Default values have no JSON form
built_at_import = [
    name for name in types.__all__
    if getattr(getattr(types, name), "__pydantic_complete__", False)
]

def schemas():
    models = [types.Update, types.ChatFullInfo, types.ChatMemberAdministrator]
    models += [types.ChatInviteLink, methods.SendMessage, methods.RestrictChatMember]
    models += [methods.GetChatAdministrators]
    return {model.__name__: model.model_json_schema() for model in models}

json.dump({"built_at_import": built_at_import, "schemas": schemas()}, sys.stdout)
"""
_USE = """
from aiogram.methods import GetChatMember, SendMessage
from aiogram.methods.base import Response
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

def use():
    user = {"id": 7, "is_bot": False, "first_name": "Ann"}
    answer = {"ok": True, "result": {"status": "left", "user": user}}
    member = Response[GetChatMember.__returning__].model_validate(answer).result
    chat = {"id": -100, "type": "supergroup", "title": "g"}
    reply = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "hi"}
    message = {**reply, "message_id": 2, "reply_to_message": reply}
    update = Update.model_validate({"update_id": 5, "message": message})
    button = InlineKeyboardButton(text="Join", url="https://t.me/c")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
    send = SendMessage(chat_id=-100, text="x", reply_markup=keyboard)
    replied = update.message.reply_to_message.text
    link = send.reply_markup.inline_keyboard[0][0].url
    return [member.status, member.user.first_name, replied, link]

print(use())
"""

# model_rebuild raises PydanticUndefinedAnnotation for a name its module was not given.
_BUILD_ALL = """
from aiogram import methods, types
from pydantic import BaseModel

models = [getattr(module, name) for module in (types, methods) for name in module.__all__]
models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
print(len(models), [m.__name__ for m in models if m.model_rebuild() is False])
"""


def _run(script: str) -> str:
    return subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout


def _schemas(start: str) -> Any:
    return json.loads(_run(start + _SCHEMAS))


def test_no_type_is_built_at_import_and_each_is_built_as_aiogram_builds_it() -> None:
    lazy, eager = _schemas(_LAZY), _schemas(_EAGER)
    assert lazy["built_at_import"] == []
    assert len(eager["built_at_import"]) > 400
    assert lazy["schemas"] == eager["schemas"]


def test_types_built_on_first_use_validate_answers_updates_and_requests() -> None:
    assert _run(_LAZY + _USE).strip() == "['left', 'Ann', 'hi', 'https://t.me/c']"


def test_every_type_and_method_builds_from_the_names_its_module_was_given() -> None:
    count, unbuilt = _run(_LAZY + _BUILD_ALL).split(" ", 1)
    assert int(count) > 550
    assert unbuilt.strip() == "[]"
