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
from aiogram.types import CallbackQuery, Chat, Message, PhotoSize, Update, User
from structlog.testing import capture_logs

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.flows.muted import UNMUTE
from gmbot.gateway.flows.replies import owner_button
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, Result, UpdatePipeline
from gmbot.gateway.telegram.dispatcher import build_dispatcher
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.callbacks import VerifyButton, sign
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import BOT_ID, SIGNING_KEY, Fakes, RecordingSession, rpc_error
from tests.unit.gateway.world import GROUP, MEMBER, OWNER, admins, everyone_is, protected

MALLORY = User(id=MEMBER, is_bot=False, first_name="Mallory", language_code="en")
OLGA = User(id=OWNER, is_bot=False, first_name="Olga", language_code="en")


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


GROUP_CHAT = Chat(id=GROUP, type="supergroup", title="Chat")


def _group_message(sender: User = MALLORY, **content: Any) -> Message:
    return Message(
        message_id=10, date=datetime.now(UTC), chat=GROUP_CHAT, from_user=sender, **content
    )


def _in_group(update_id: int, text: str, sender: User = MALLORY) -> Update:
    return Update(update_id=update_id, message=_group_message(sender, text=text))


def _press(data: str, on: Message | None = None) -> Update:
    query = CallbackQuery(id="q1", from_user=MALLORY, chat_instance="ci", data=data, message=on)
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
    assert telegram.session.priorities == [Priority.LATER]  # a member's: behind enforcement
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


async def test_a_command_whose_administrators_cannot_be_fetched_is_answered_and_confirmed(
    tmp_path: Path,
) -> None:
    # It was left for redelivery: members' updates held up the polling window during a raid.
    telegram = Telegram()
    telegram.fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))
    telegram.fakes.membership.answer(
        "GetChatAdministrators", rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED)
    )
    letters = DeadLetters(None, "test:", tmp_path / "dead-letters.jsonl", 3600)
    pipeline = UpdatePipeline(
        telegram.dispatcher, telegram.bot, UpdateLedger(), letters, Patience(redelivery_seconds=60)
    )

    assert await pipeline.handle(_in_group(9, "/unprotect")) is Result.CONFIRM

    [reply] = telegram.sent(SendMessage)
    assert reply.text == say("en", "press_unknown")
    assert await letters.all() == []


# -- A command is a message: judged first, answered only if it stands


def _group_of(
    telegram: Telegram, status: membership.MembershipStatus.ValueType, **settings: Any
) -> None:
    """The protected group, its administrators (the owner) kept near the decisions as in a
    running gateway, and Mallory's `status`."""
    protected(telegram.fakes, **settings)
    telegram.fakes.ctx.near.went_live()
    telegram.fakes.membership.answer("GetChatAdministrators", admins())
    telegram.fakes.membership.answer("CheckMembership", everyone_is(status))
    telegram.fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))


@pytest.mark.parametrize(
    "message",
    [
        _group_message(text="/help buy followers at t.me/cheap"),
        _group_message(text="/settings"),
        _group_message(
            photo=[PhotoSize(file_id="p", file_unique_id="p", width=9, height=9)],
            caption="/start promo",
        ),
    ],
    ids=["command", "owners-command", "captioned-photo"],
)
async def test_a_non_followers_command_is_deleted_and_not_answered(message: Message) -> None:
    # The group-command router ran before the check: the command stayed up and was answered.
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_NOT_MEMBER)

    await telegram.feed(Update(update_id=5, message=message))

    [enforce] = telegram.fakes.enforcement.requests("Enforce")
    assert (enforce.user_id, enforce.message_id) == (MEMBER, 10)
    assert telegram.session.requests == []  # no answer, no fetch of anything


async def test_a_followers_command_is_judged_then_answered_behind_enforcement() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(_in_group(5, "/help"))

    assert len(telegram.fakes.membership.requests("CheckMembership")) == 1
    [reply] = telegram.sent(SendMessage)
    assert "/status" in reply.text
    assert telegram.session.priorities == [Priority.LATER]
    [asked] = telegram.fakes.membership.requests("GetChatAdministrators")
    assert not asked.fresh  # the kept list: a member's command costs no Bot API call


async def test_an_administrators_command_is_answered_first() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(_in_group(5, "/help", sender=OLGA))

    assert telegram.fakes.membership.requests("CheckMembership") == []  # exempt: not checked
    assert len(telegram.sent(SendMessage)) == 1
    assert telegram.session.priorities == [Priority.URGENT]


async def test_a_member_gets_one_command_answered_a_minute_in_a_group() -> None:
    """Members' commands cannot spend the group's 20 messages a minute, which warnings need."""
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    for update_id, text in enumerate(["/help", "/settings", "/status"], start=5):
        await telegram.feed(_in_group(update_id, text))
    for update_id in (8, 9):
        await telegram.feed(_in_group(update_id, "/status", sender=OLGA))

    replies = telegram.sent(SendMessage)
    assert len(replies) == 3  # Mallory's first, and both of the owner's
    assert "/status" in replies[0].text  # the help


async def test_status_shows_exempt_members_only_to_administrators() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER, exempt_user_ids=[777])

    await telegram.feed(_in_group(5, "/status"))
    await telegram.feed(_in_group(6, "/status", sender=OLGA))

    to_member, to_owner = telegram.sent(SendMessage)
    assert "777" not in to_member.text
    assert to_member.reply_markup is None
    assert "777" in to_owner.text
    assert to_owner.reply_markup is not None  # the button that checks them again


async def test_an_anonymous_administrator_is_answered_as_an_administrator() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER, exempt_user_ids=[777])
    as_group = _group_message(
        sender=User(id=1087968824, is_bot=True, first_name="Group"),
        sender_chat=GROUP_CHAT,
        text="/status",
    )

    await telegram.feed(Update(update_id=5, message=as_group))

    [reply] = telegram.sent(SendMessage)
    assert "777" in reply.text
    assert telegram.session.priorities == [Priority.URGENT]
    assert telegram.fakes.membership.calls == []  # the group itself: nothing to look up


async def test_a_members_settings_press_costs_no_fetch_and_waits_behind_enforcement() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(_press("set:mode:3", on=_group_message(sender=OLGA, text="Settings")))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text == say("en", "only_admins")
    assert telegram.session.priorities == [Priority.LATER]
    [asked] = telegram.fakes.membership.requests("GetChatAdministrators")
    assert not asked.fresh
    assert telegram.fakes.tenancy.calls == []


async def test_a_members_press_of_an_owners_button_waits_behind_enforcement() -> None:
    telegram = Telegram()
    _group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(_press(owner_button(SIGNING_KEY, "Unmute", UNMUTE, GROUP, 99).data))

    [answer] = telegram.sent(AnswerCallbackQuery)
    assert answer.text == say("en", "press_only_admins")
    assert telegram.session.priorities == [Priority.LATER]
    assert telegram.fakes.enforcement.calls == []
