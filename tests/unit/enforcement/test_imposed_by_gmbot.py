"""Whether a member as getChatMember shows them still wears GMBot's mute, read from the member's
status and rights as outbound maps aiogram's classes to the domain's ChatMember."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.types import ChatMemberBanned, ChatMemberMember, ChatMemberRestricted, User

from gmbot.enforcement.domain.releases import imposed_by_gmbot
from gmbot.enforcement.outbound.telegram import chat_member

UNTIL = 1_900_000_000
USER = User(id=7, is_bot=False, first_name="M")


def _restricted(until: int, *, can_send_messages: bool = False) -> ChatMemberRestricted:
    rights = {
        name: False
        for name in ChatMemberRestricted.model_fields
        if name.startswith("can_") or name == "is_member"
    }
    return ChatMemberRestricted.model_validate(
        {
            **rights,
            "user": USER,
            "until_date": datetime.fromtimestamp(until, UTC),
            "can_send_messages": can_send_messages,
        }
    )


@pytest.mark.parametrize(
    ("member", "gmbots"),
    [
        (_restricted(UNTIL), True),
        (_restricted(UNTIL + 2), True),  # Telegram rounds the until_date
        (_restricted(UNTIL + 60), False),  # restricted again by someone else
        (_restricted(UNTIL, can_send_messages=True), False),  # the mute lifted by hand
        (ChatMemberBanned(user=USER, until_date=datetime.fromtimestamp(UNTIL, UTC)), False),
        (ChatMemberMember(user=USER), False),
    ],
    ids=["gmbots", "rounded", "someone-elses", "lifted", "banned", "unrestricted"],
)
def test_only_gmbots_own_mute_is_read_as_gmbots(member: Any, gmbots: bool) -> None:
    assert imposed_by_gmbot(chat_member(member), UNTIL) is gmbots
