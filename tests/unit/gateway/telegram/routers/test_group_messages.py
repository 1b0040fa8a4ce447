"""A command is a message: judged first, answered only if it stands."""

from __future__ import annotations

import pytest
from aiogram.types import Message, PhotoSize, Update

from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.telegram.dispatching import Telegram, group_message, group_of
from tests.unit.gateway.world import MEMBER


@pytest.mark.parametrize(
    "message",
    [
        group_message(text="/help buy followers at t.me/cheap"),
        group_message(text="/settings"),
        group_message(
            photo=[PhotoSize(file_id="p", file_unique_id="p", width=9, height=9)],
            caption="/start promo",
        ),
    ],
    ids=["command", "owners-command", "captioned-photo"],
)
async def test_a_non_followers_command_is_deleted_and_not_answered(message: Message) -> None:
    # The group-command router ran before the check: the command stayed up and was answered.
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_NOT_MEMBER)

    await telegram.feed(Update(update_id=5, message=message))

    [enforce] = telegram.fakes.enforcement.requests("Enforce")
    assert (enforce.user_id, enforce.message_id) == (MEMBER, 10)
    assert telegram.session.requests == []  # no answer, no fetch of anything
