"""Which webhook deliveries are answered once kept (a member's message in a group, judged on its
own) and which only once handled (everything whose handling depends on what came before)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Update

from gmbot.gateway.intake.accepting import judged_alone

GROUP = {"id": -1001, "type": "supergroup", "title": "G"}
PRIVATE = {"id": 7, "type": "private", "first_name": "M"}
MEMBER = {"id": 7, "is_bot": False, "first_name": "M"}
COMMAND = [{"type": "bot_command", "offset": 0, "length": 5}]


def _update(kind: str = "message", chat: dict[str, Any] = GROUP, **fields: Any) -> Update:
    message = {"message_id": 1, "date": 0, "chat": chat, "from": MEMBER, **fields}
    return Update.model_validate({"update_id": 1, kind: message})


@pytest.mark.parametrize(
    ("update", "alone"),
    [
        (_update(text="spam"), True),
        (_update("edited_message", text="spam, edited", edit_date=1), True),
        (_update(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]), True),
        (_update(chat={**GROUP, "type": "group"}, text="spam"), True),
        (_update(text="/help spam", entities=COMMAND), False),
        (_update(caption="/help spam", caption_entities=COMMAND, photo=[]), False),
        # A command further in is no command: Telegram runs only one at the start.
        (_update(text="see /help", entities=[{**COMMAND[0], "offset": 4}]), True),
        (_update(chat=PRIVATE, text="hello"), False),
    ],
    ids=[
        "text",
        "edited",
        "photo",
        "basic group",
        "command",
        "captioned command",
        "command inside",
        "private",
    ],
)
def test_only_a_groups_messages_that_are_no_commands_are_judged_alone(
    update: Update, alone: bool
) -> None:
    assert judged_alone(update) is alone


def test_a_press_a_join_or_the_bots_own_status_is_never_judged_alone() -> None:
    press = Update.model_validate(
        {
            "update_id": 2,
            "callback_query": {
                "id": "q",
                "from": MEMBER,
                "chat_instance": "c",
                "data": "verify",
                "message": {"message_id": 1, "date": 0, "chat": GROUP, "text": "join"},
            },
        }
    )
    status = {"status": "member", "user": MEMBER}
    join = Update.model_validate(
        {
            "update_id": 3,
            "chat_member": {
                "chat": GROUP,
                "from": MEMBER,
                "date": 0,
                "old_chat_member": {**status, "status": "left"},
                "new_chat_member": status,
            },
        }
    )
    assert not judged_alone(press)
    assert not judged_alone(join)
