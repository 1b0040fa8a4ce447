"""The warnings' "I have joined" presses, and presses that are not GMBot's."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery
from structlog.testing import capture_logs

from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.callbacks import VerifyButton, sign
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import SIGNING_KEY
from tests.unit.gateway.telegram.dispatching import Telegram, press
from tests.unit.gateway.world import GROUP, MEMBER, everyone_is, protected


def _member_who_joined(telegram: Telegram) -> None:
    protected(telegram.fakes)
    telegram.fakes.membership.answer(
        "CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER)
    )
    telegram.fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    telegram.fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))


async def test_a_verify_press_is_answered_with_what_was_decided() -> None:
    telegram = Telegram()
    _member_who_joined(telegram)

    await telegram.feed(press(sign(SIGNING_KEY, VerifyButton(GROUP, MEMBER))))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.callback_query_id == "q1"
    assert (answer.text, answer.show_alert) == (say("en", "verify_ok"), False)
    assert telegram.session.priorities == [Priority.LATER]  # a member's: behind enforcement
    [release] = telegram.fakes.enforcement.requests("Release")
    assert release.idempotency_key == "verify:q1"


async def test_a_press_answered_too_late_is_no_failure() -> None:
    too_old = TelegramBadRequest(
        AnswerCallbackQuery(callback_query_id="q1"),
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    telegram = Telegram(failures={AnswerCallbackQuery: too_old})
    _member_who_joined(telegram)

    with capture_logs() as logs:
        await telegram.feed(press(sign(SIGNING_KEY, VerifyButton(GROUP, MEMBER))))

    [logged] = [entry for entry in logs if entry["event"] == "callback query not answered"]
    assert (logged["refusal"], logged["log_level"]) == ("query-too-old", "info")
    assert len(telegram.fakes.enforcement.requests("Release")) == 1  # released all the same


async def test_a_press_on_a_button_that_is_not_ours_is_answered_in_silence() -> None:
    telegram = Telegram()

    await telegram.feed(press("not-a-gmbot-button"))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text is None
    assert telegram.fakes.calls == []
