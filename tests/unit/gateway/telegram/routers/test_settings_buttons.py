"""The settings panel's buttons pressed by someone who does not administer the group."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery

from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.telegram.dispatching import OLGA, Telegram, group_message, group_of, press


async def test_a_members_settings_press_costs_no_fetch_and_waits_behind_enforcement() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(press("set:mode:3", on=group_message(sender=OLGA, text="Settings")))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text == say("en", "only_admins")
    assert telegram.session.priorities == [Priority.LATER]
    [asked] = telegram.fakes.membership.requests("GetChatAdministrators")
    assert not asked.fresh
    assert telegram.fakes.tenancy.calls == []
