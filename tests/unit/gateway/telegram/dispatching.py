"""The gateway's own Dispatcher as aiogram runs it (Dispatcher.feed_update), over the fake back
ends, with a Bot whose session records every Bot API request instead of sending it; and the
updates the router tests feed it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from gmbot.gateway.telegram.dispatcher import build_dispatcher
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import BOT_ID, SIGNING_KEY, Fakes, RecordingSession
from tests.unit.gateway.world import GROUP, MEMBER, OWNER, admins, everyone_is, protected

MALLORY = User(id=MEMBER, is_bot=False, first_name="Mallory", language_code="en")
OLGA = User(id=OWNER, is_bot=False, first_name="Olga", language_code="en")
GROUP_CHAT = Chat(id=GROUP, type="supergroup", title="Chat")


class Telegram:
    """The gateway's own Dispatcher over the fake back ends, and a Bot that sends nothing (or
    fails as `failures` says, by method); `parts` as Fakes takes them."""

    def __init__(
        self,
        failures: dict[type[TelegramMethod[Any]], Exception] | None = None,
        parts: dict[str, Any] | None = None,
    ) -> None:
        self.fakes = Fakes(parts=parts or {})
        self.session = RecordingSession(failures)
        self.bot = Bot(f"{BOT_ID}:TEST", session=self.session)
        self.dispatcher: Dispatcher = build_dispatcher(self.fakes.ctx, self.bot, SIGNING_KEY)

    async def feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    def sent(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [request for request in self.session.requests if isinstance(request, kind)]


def group_message(sender: User = MALLORY, **content: Any) -> Message:
    return Message(
        message_id=10, date=datetime.now(UTC), chat=GROUP_CHAT, from_user=sender, **content
    )


def in_group(update_id: int, text: str, sender: User = MALLORY) -> Update:
    return Update(update_id=update_id, message=group_message(sender, text=text))


def in_private(update_id: int, text: str, sender: User = OLGA) -> Update:
    chat = Chat(id=sender.id, type="private", first_name=sender.first_name)
    message = Message(message_id=20, date=datetime.now(UTC), chat=chat, from_user=sender, text=text)
    return Update(update_id=update_id, message=message)


def press(data: str, on: Message | None = None, by: User = MALLORY) -> Update:
    query = CallbackQuery(id="q1", from_user=by, chat_instance="ci", data=data, message=on)
    return Update(update_id=3, callback_query=query)


def group_of(
    telegram: Telegram, status: membership.MembershipStatus.ValueType, **settings: Any
) -> None:
    """The protected group, its administrators (the owner) kept near the decisions as in a
    running gateway, and Mallory's `status`."""
    protected(telegram.fakes, **settings)
    telegram.fakes.ctx.near.went_live()
    telegram.fakes.membership.answer("GetChatAdministrators", admins())
    telegram.fakes.membership.answer("CheckMembership", everyone_is(status))
    telegram.fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))
