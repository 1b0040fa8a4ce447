"""Commands in groups: who is answered, how soon, and what they are told."""

from __future__ import annotations

from pathlib import Path

import grpc
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendMessage
from aiogram.types import Update, User

from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, Result, UpdatePipeline
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import rpc_error
from tests.unit.gateway.telegram.dispatching import (
    GROUP_CHAT,
    OLGA,
    Telegram,
    group_message,
    group_of,
    in_group,
)
from tests.unit.gateway.world import GROUP, admins


async def test_a_group_command_from_a_member_who_is_no_admin_gets_the_refusal() -> None:
    telegram = Telegram()
    telegram.fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))
    telegram.fakes.membership.answer("GetChatAdministrators", admins())

    await telegram.feed(in_group(1, "/protect @news"))

    [reply] = telegram.sent(SendMessage)
    assert reply.chat_id == GROUP
    assert reply.text == say("en", "only_admins")
    assert reply.reply_parameters.message_id == 10
    assert telegram.fakes.tenancy.requests("ProtectGroup") == []


async def test_an_unprotected_groups_command_is_answered_in_the_senders_language() -> None:
    telegram = Telegram()
    telegram.fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))
    telegram.fakes.membership.answer("GetChatAdministrators", admins())
    olga_in_russian = User(id=OLGA.id, is_bot=False, first_name="Olga", language_code="ru")

    await telegram.feed(in_group(1, "/protect", sender=olga_in_russian))

    [reply] = telegram.sent(SendMessage)
    assert reply.text != say("en", "protect_usage")
    assert reply.text == say("ru", "protect_usage")


async def test_a_reply_whose_command_is_gone_is_sent_without_the_quote() -> None:
    gone = TelegramBadRequest(
        SendMessage(chat_id=GROUP, text=""), "Bad Request: message to be replied not found"
    )
    telegram = Telegram(failures={SendMessage: gone})
    telegram.fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))
    telegram.fakes.membership.answer("GetChatAdministrators", admins())

    await telegram.feed(in_group(1, "/protect @news"))

    quoted, plain = telegram.sent(SendMessage)
    assert quoted.reply_parameters.message_id == 10
    assert plain.reply_parameters is None
    assert plain.text == quoted.text == say("en", "only_admins")


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

    assert await pipeline.handle(in_group(9, "/unprotect")) is Result.CONFIRM

    [reply] = telegram.sent(SendMessage)
    assert reply.text == say("en", "press_unknown")
    assert await letters.all() == []


async def test_a_followers_command_is_judged_then_answered_behind_enforcement() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(in_group(5, "/help"))

    assert len(telegram.fakes.membership.requests("CheckMembership")) == 1
    [reply] = telegram.sent(SendMessage)
    assert "/status" in reply.text
    assert telegram.session.priorities == [Priority.LATER]
    [asked] = telegram.fakes.membership.requests("GetChatAdministrators")
    assert not asked.fresh  # the kept list: a member's command costs no Bot API call


async def test_an_administrators_command_is_answered_first() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(in_group(5, "/help", sender=OLGA))

    assert telegram.fakes.membership.requests("CheckMembership") == []  # exempt: not checked
    assert len(telegram.sent(SendMessage)) == 1
    assert telegram.session.priorities == [Priority.URGENT]


async def test_a_member_gets_one_command_answered_a_minute_in_a_group() -> None:
    """Members' commands cannot spend the group's 20 messages a minute, which warnings need."""
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    for update_id, text in enumerate(["/help", "/settings", "/status"], start=5):
        await telegram.feed(in_group(update_id, text))
    for update_id in (8, 9):
        await telegram.feed(in_group(update_id, "/status", sender=OLGA))

    replies = telegram.sent(SendMessage)
    assert len(replies) == 3  # Mallory's first, and both of the owner's
    assert "/status" in replies[0].text  # the help


async def test_status_shows_exempt_members_only_to_administrators() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER, exempt_user_ids=[777])

    await telegram.feed(in_group(5, "/status"))
    await telegram.feed(in_group(6, "/status", sender=OLGA))

    to_member, to_owner = telegram.sent(SendMessage)
    assert "777" not in to_member.text
    assert to_member.reply_markup is None
    assert "777" in to_owner.text
    assert to_owner.reply_markup is not None  # the button that checks them again


async def test_an_anonymous_administrator_is_answered_as_an_administrator() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER, exempt_user_ids=[777])
    as_group = group_message(
        sender=User(id=1087968824, is_bot=True, first_name="Group"),
        sender_chat=GROUP_CHAT,
        text="/status",
    )

    await telegram.feed(Update(update_id=5, message=as_group))

    [reply] = telegram.sent(SendMessage)
    assert "777" in reply.text
    assert telegram.session.priorities == [Priority.URGENT]
    assert telegram.fakes.membership.calls == []  # the group itself: nothing to look up
