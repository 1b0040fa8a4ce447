"""The owners' signed buttons pressed by someone who does not administer the group."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery

from gmbot.gateway.flows.muted import UNMUTE
from gmbot.gateway.flows.replies import owner_button
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import SIGNING_KEY
from tests.unit.gateway.telegram.dispatching import Telegram, group_of, press
from tests.unit.gateway.world import GROUP


async def test_a_members_press_of_an_owners_button_waits_behind_enforcement() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(press(owner_button(SIGNING_KEY, "Unmute", UNMUTE, GROUP, 99).data))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text == say("en", "press_only_admins")
    assert telegram.session.priorities == [Priority.LATER]
    assert telegram.fakes.enforcement.calls == []
