"""The routers as aiogram runs them (Dispatcher.feed_update), over the fake back ends, with a Bot
whose session records every Bot API request instead of sending it: what a handler says, and that
a handler's failure still reaches the intake."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from structlog.testing import capture_logs

from gmbot.gateway.backends import BackendUnavailable
from gmbot.gateway.dead_letters import DeadLetters
from gmbot.gateway.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, Result, UpdatePipeline
from gmbot.gateway.telegram.dispatcher import build_dispatcher
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import VerifyButton, sign
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import BOT_ID, SIGNING_KEY, Fakes, RecordingSession, rpc_error
from tests.unit.gateway.world import GROUP, MEMBER, admins, everyone_is, protected

MALLORY = User(id=MEMBER, is_bot=False, first_name="Mallory", language_code="en")


class Telegram:
    """The gateway's own Dispatcher over the fake back ends, and a Bot that sends nothing."""

    def __init__(self) -> None:
        self.fakes = Fakes()
        self.session = RecordingSession()
        self.bot = Bot(f"{BOT_ID}:TEST", session=self.session)
        self.dispatcher: Dispatcher = build_dispatcher(self.fakes.ctx, self.bot, SIGNING_KEY)

    async def feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    def sent(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [request for request in self.session.requests if isinstance(request, kind)]


def _in_group(update_id: int, text: str, sender: User = MALLORY) -> Update:
    chat = Chat(id=GROUP, type="supergroup", title="Chat")
    message = Message(message_id=10, date=datetime.now(UTC), chat=chat, from_user=sender, text=text)
    return Update(update_id=update_id, message=message)


def _press(data: str) -> Update:
    query = CallbackQuery(id="q1", from_user=MALLORY, chat_instance="ci", data=data)
    return Update(update_id=3, callback_query=query)


async def test_a_group_command_from_a_member_who_is_no_admin_gets_the_refusal() -> None:
    telegram = Telegram()
    telegram.fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))
    telegram.fakes.membership.answer("GetChatAdministrators", admins())

    await telegram.feed(_in_group(1, "/protect @news"))

    [reply] = telegram.sent(SendMessage)
    assert reply.chat_id == GROUP
    assert reply.text == say("en", "only_admins")
    assert reply.reply_parameters.message_id == 10
    assert telegram.fakes.tenancy.requests("ProtectGroup") == []


async def test_a_verify_press_is_answered_with_what_was_decided() -> None:
    telegram = Telegram()
    protected(telegram.fakes)
    telegram.fakes.membership.answer(
        "CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER)
    )
    telegram.fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    telegram.fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))

    await telegram.feed(_press(sign(SIGNING_KEY, VerifyButton(GROUP, MEMBER))))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.callback_query_id == "q1"
    assert (answer.text, answer.show_alert) == (say("en", "verify_ok"), False)
    [release] = telegram.fakes.enforcement.requests("Release")
    assert release.idempotency_key == "verify:q1"


async def test_a_press_on_a_button_that_is_not_ours_is_answered_in_silence() -> None:
    telegram = Telegram()

    await telegram.feed(_press("not-a-gmbot-button"))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text is None
    assert telegram.fakes.calls == []


def _failing_message(telegram: Telegram, code: grpc.StatusCode) -> Update:
    """A non-member's message whose Enforce call fails with `code`."""
    protected(telegram.fakes)
    telegram.fakes.membership.answer("GetChatAdministrators", admins())
    telegram.fakes.membership.answer(
        "CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    telegram.fakes.enforcement.answer("Enforce", rpc_error(code, "down"))
    return _in_group(7, "hello")


async def test_a_handlers_failure_is_logged_with_its_update_and_not_swallowed() -> None:
    telegram = Telegram()
    update = _failing_message(telegram, grpc.StatusCode.UNAVAILABLE)

    with capture_logs() as logs, pytest.raises(BackendUnavailable):
        await telegram.feed(update)

    [logged] = [entry for entry in logs if entry["event"] == "update not handled"]
    assert logged["update_id"] == 7
    assert logged["error_type"] == "BackendUnavailable"
    assert logged["log_level"] == "warning"


@pytest.mark.parametrize(
    ("code", "redelivery_seconds", "result", "dead_letters"),
    [
        # A back end down: delivered again, until the time for redeliveries runs out.
        (grpc.StatusCode.UNAVAILABLE, 3600.0, Result.RETRY, 0),
        (grpc.StatusCode.UNAVAILABLE, 0.0, Result.CONFIRM, 1),
        # A back end refusing: retrying cannot help, set aside at once.
        (grpc.StatusCode.INTERNAL, 3600.0, Result.CONFIRM, 1),
    ],
)
async def test_the_intake_still_sees_a_handlers_failure(
    tmp_path: Path,
    code: grpc.StatusCode,
    redelivery_seconds: float,
    result: Result,
    dead_letters: int,
) -> None:
    telegram = Telegram()
    letters = DeadLetters(None, "test:", tmp_path / "dead-letters.jsonl", 3600)
    pipeline = UpdatePipeline(
        telegram.dispatcher,
        telegram.bot,
        UpdateLedger(),
        letters,
        Patience(redelivery_seconds=redelivery_seconds),
    )

    with capture_logs():  # the pipeline's traceback, unrendered
        assert await pipeline.handle(_failing_message(telegram, code)) is result

    assert [letter.update_id for letter in await letters.all()] == [7] * dead_letters
