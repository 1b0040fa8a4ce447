"""A settings panel in a group asks enforcement to delete it PANEL_TTL_SECONDS after its last
use: when /settings draws it, and again on every administrator's press (which moves the time);
nothing for a member's press; a failure to ask leaves the panel, and the answer stands."""

from __future__ import annotations

import grpc
from aiogram.methods import AnswerCallbackQuery, DeleteMessages, SendMessage
from aiogram.types import Update, User

from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import BOT_ID, rpc_error
from tests.unit.gateway.telegram.dispatching import (
    OLGA,
    Telegram,
    group_message,
    group_of,
    in_group,
    press,
)
from tests.unit.gateway.world import GROUP

GMBOT = User(id=BOT_ID, is_bot=True, first_name="GMBot")


def _scheduled(telegram: Telegram) -> list[tuple[int, int, int]]:
    return [
        (r.chat_id, r.message_id, r.delay_seconds)
        for r in telegram.fakes.enforcement.requests("ExpireMessage")
    ]


async def test_the_groups_panel_is_scheduled_for_removal_and_each_press_moves_it() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)
    telegram.fakes.enforcement.answer("ExpireMessage", enforcement.ExpireMessageResponse())

    await telegram.feed(in_group(5, "/settings", sender=OLGA))
    [panel] = telegram.sent(SendMessage)
    assert panel.reply_markup is not None
    [(chat, panel_id, ttl)] = _scheduled(telegram)
    assert (chat, ttl) == (GROUP, 600)

    on_panel = group_message(sender=GMBOT, text=panel.text).model_copy(
        update={"message_id": panel_id}
    )
    await telegram.feed(press("set:mode:3", on=on_panel, by=OLGA))
    assert _scheduled(telegram) == [(GROUP, panel_id, 600)] * 2

    await telegram.feed(press("set:mode:3", on=on_panel))  # a member's: no use of the panel
    assert len(_scheduled(telegram)) == 2


async def test_enforcement_unreachable_leaves_the_panel_and_the_press_answered() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)
    telegram.fakes.enforcement.answer("ExpireMessage", rpc_error(grpc.StatusCode.UNAVAILABLE))

    await telegram.feed(press("set:mode:3", on=group_message(text="Settings"), by=OLGA))

    assert len(_scheduled(telegram)) == 1
    assert len(telegram.sent(AnswerCallbackQuery)) == 1


async def test_no_removal_is_asked_when_panels_stay() -> None:
    telegram = Telegram(parts={"panel_ttl_seconds": 0})
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)

    await telegram.feed(in_group(5, "/settings", sender=OLGA))

    assert len(telegram.sent(SendMessage)) == 1
    assert _scheduled(telegram) == []


def _reply_to(prompt_id: int, prompt: SendMessage, text: str, update_id: int) -> Update:
    """Olga's `text` in reply to GMBot's prompt `prompt_id` in the group."""
    asked = group_message(sender=GMBOT, text=prompt.text).model_copy(
        update={"message_id": prompt_id}
    )
    typed = group_message(sender=OLGA, text=text, reply_to_message=asked).model_copy(
        update={"message_id": 60 + update_id}
    )
    return Update(update_id=update_id, message=typed)


async def test_a_prompt_goes_with_the_panel_or_once_answered_with_the_refusal_before() -> None:
    telegram = Telegram()
    group_of(telegram, membership.MEMBERSHIP_STATUS_MEMBER)
    telegram.fakes.enforcement.answer("ExpireMessage", enforcement.ExpireMessageResponse())
    on_panel = group_message(sender=GMBOT, text="Settings").model_copy(update={"message_id": 50})

    await telegram.feed(press("set:kick_after_minutes:3:t", on=on_panel, by=OLGA))
    [prompt] = telegram.sent(SendMessage)
    [(_, panel_id, _), (_, prompt_id, _)] = _scheduled(telegram)
    await telegram.feed(_reply_to(prompt_id, prompt, "many", 7))
    [_, (_, refusal_id, _)] = _scheduled(telegram)[1:]
    refused = telegram.sent(DeleteMessages)
    await telegram.feed(_reply_to(prompt_id, prompt, "45", 8))
    [tidied] = telegram.sent(DeleteMessages)
    await telegram.feed(_reply_to(prompt_id, prompt, "50", 9))  # the prompt answered: not heard

    assert panel_id == 50
    # The prompt and the refusal go with the panel, if nobody answers in time.
    assert prompt_id != refusal_id
    assert refused == []
    assert (tidied.chat_id, sorted(tidied.message_ids)) == (GROUP, sorted([prompt_id, refusal_id]))
    assert len(telegram.sent(SendMessage)) == 3  # the prompt, the refusal, the confirmation
