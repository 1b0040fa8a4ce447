"""Updates as Telegram generates and delivers them: long polling and webhooks, in order, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.exceptions import TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story, drain
from tests.support.waiting import eventually


async def _story_of_a_day(story: Story) -> None:
    """A join, a message, a button press, a channel leave, a join request and a demotion."""
    control = story.control
    await control.join(story.group, story.alice)
    said = await control.say(story.group, story.alice, "hello")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d")]]
    )
    sent = await story.bot.send_message(story.group, "press", reply_markup=keyboard)
    await control.press(story.group, sent.message_id, story.alice, "d")
    await control.leave(story.channel, story.alice)
    bob = (await control.create_user("Bob"))["id"]
    await control.request_join(story.group, bob)
    await control.set_member(story.group, story.bot_id, "member", actor_id=story.owner)
    assert said["text"] == "hello"


EXPECTED = [
    "chat_member",  # alice joins the group
    "message",  # the service message of the join
    "message",  # alice's hello
    "callback_query",
    "chat_member",  # alice leaves the channel
    "chat_join_request",
    "my_chat_member",  # the bot is demoted
]


def _chat(update: dict[str, Any]) -> int:
    event = next(v for k, v in update.items() if k != "update_id")
    chat = event.get("chat") or event.get("message", {}).get("chat")
    return int(chat["id"])


def _kinds(updates: list[dict[str, Any]]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_long_polling_delivers_the_story_in_order_and_once(story: Story) -> None:
    await story.bot.get_updates(
        allowed_updates=[
            "message",
            "callback_query",
            "chat_member",
            "my_chat_member",
            "chat_join_request",
        ],
        timeout=0,
    )
    await _story_of_a_day(story)

    first = await story.bot.get_updates(timeout=0)
    again = await story.bot.get_updates(timeout=0)
    confirmed = await story.bot.get_updates(offset=first[-1].update_id + 1, timeout=0)

    assert [u.event_type for u in first] == EXPECTED
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not confirmed yet
    assert confirmed == []
    ids = [u.update_id for u in first]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


async def test_chat_member_is_sent_only_to_bots_that_asked(story: Story) -> None:
    await story.control.join(story.group, story.alice)

    updates = await story.bot.get_updates(timeout=0)

    assert [u.event_type for u in updates] == ["message"]  # the default list omits chat_member


async def test_allowed_updates_are_remembered_until_changed(story: Story) -> None:
    await story.bot.get_updates(allowed_updates=["chat_member"], timeout=0)
    await story.control.join(story.group, story.alice)

    kept = await story.bot.get_updates(timeout=0)  # no allowed_updates: the last list holds

    assert [u.event_type for u in kept] == ["chat_member"]
    info = await story.bot.get_webhook_info()
    assert info.allowed_updates == ["chat_member"]


async def test_chat_member_needs_the_bot_to_be_an_admin(story: Story) -> None:
    await story.bot.get_updates(allowed_updates=["chat_member", "message"], timeout=0)
    await story.control.set_member(story.group, story.bot_id, "member")
    await drain(story.bot)

    await story.control.join(story.group, story.alice)

    updates = await story.bot.get_updates(timeout=0)
    assert [u.event_type for u in updates] == ["message"]


async def test_an_undelivered_join_changes_the_member_and_sends_nothing(story: Story) -> None:
    await story.bot.get_updates(allowed_updates=["chat_member", "message"], timeout=0)

    await story.control.join(story.channel, story.alice, undelivered=True)

    assert await story.bot.get_updates(timeout=0) == []
    member = await story.bot.get_chat_member(story.channel, story.alice)
    assert member.status == "member"


async def test_an_undelivered_status_change_sends_nothing(story: Story) -> None:
    await story.bot.get_updates(allowed_updates=["chat_member", "my_chat_member"], timeout=0)

    await story.control.set_member(story.channel, story.bot_id, "left", undelivered=True)

    assert await story.bot.get_updates(timeout=0) == []
    assert (await story.control.member(story.channel, story.bot_id))["status"] == "left"


async def test_long_polling_waits_for_the_next_update(story: Story) -> None:
    waiting = asyncio.ensure_future(story.bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)  # time for a wrong answer to arrive: none may
    assert not waiting.done()

    await story.control.join(story.group, story.alice)

    updates = await asyncio.wait_for(waiting, 2)
    assert updates[0].event_type == "message"


async def test_a_second_poller_terminates_the_first(story: Story) -> None:
    polls = (await story.control.bot_queue(story.bot_id))["polls"]
    first = asyncio.ensure_future(story.bot.get_updates(timeout=5))

    async def first_waiting() -> bool:
        return bool((await story.control.bot_queue(story.bot_id))["polls"] > polls)

    await eventually(first_waiting, what="the first getUpdates waiting in the sandbox")
    second = asyncio.ensure_future(story.bot.get_updates(timeout=1))

    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    await second


class Receiver:
    """A bot's webhook endpoint that can refuse, and remembers what it accepted."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.refuse = 0
        self.retry_after: int | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if self.refuse:
            self.refuse -= 1
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after else None
            return web.Response(status=500, headers=headers)
        self.accepted.append(await request.json())
        return web.json_response({})


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield receiver, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


async def test_a_webhook_receives_the_story_in_order_and_once(
    story: Story, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    allowed = ["message", "callback_query", "chat_member", "my_chat_member", "chat_join_request"]
    await story.bot.set_webhook(
        url, secret_token="s3cret", allowed_updates=allowed, drop_pending_updates=True
    )

    await _story_of_a_day(story)

    async def all_accepted() -> bool:
        return len(endpoint.accepted) == len(EXPECTED)

    await eventually(all_accepted, 5, what="every update at the webhook")
    await asyncio.sleep(0.2)  # a repeated delivery, if there were one, shows up meanwhile
    ids = [u["update_id"] for u in endpoint.accepted]
    assert len(ids) == len(set(ids)) == len(EXPECTED)  # each once
    assert sorted(_kinds(endpoint.accepted)) == sorted(EXPECTED)
    for chat_id in (story.group, story.channel):  # chats are delivered in parallel, each in order
        of_chat = [i for i, u in zip(ids, endpoint.accepted, strict=True) if _chat(u) == chat_id]
        assert of_chat == sorted(of_chat)
    assert set(endpoint.secrets) == {"s3cret"}
    assert (await story.bot.get_webhook_info()).pending_update_count == 0


async def test_a_failing_webhook_gets_the_update_again_and_the_chat_waits(
    story: Story, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    endpoint.refuse = 2
    await story.bot.set_webhook(url, drop_pending_updates=True)

    await story.control.join(story.group, story.alice)
    await story.control.say(story.group, story.alice, "second")

    async def both_accepted() -> bool:
        return len(endpoint.accepted) == 2

    await eventually(both_accepted, 5, what="two updates at the webhook")
    texts = [u["message"].get("text") for u in endpoint.accepted]
    assert texts == [None, "second"]  # the join's service message first, despite two refusals
    info = await story.bot.get_webhook_info()
    assert info.last_error_message is not None
    assert "500" in info.last_error_message


async def test_get_updates_is_refused_while_a_webhook_is_set(
    story: Story, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver
    await story.bot.set_webhook(url)

    with pytest.raises(
        TelegramConflictError, match="can't use getUpdates method while webhook is active"
    ):
        await story.bot.get_updates(timeout=0)
    await story.bot.delete_webhook()
    assert await story.bot.get_updates(timeout=0) == []


async def test_members_send_media_polls_dice_stories_and_via_inline_bots(story: Story) -> None:
    """Each kind reaches the bot as Telegram sends it, with its content type (aiogram parses it)."""
    control = story.control
    await control.join(story.group, story.alice)
    inline_bot = int((await control.create_bot("gif_bot"))["user"]["id"])
    await drain(story.bot)
    sent: list[dict[str, Any]] = [
        {"kind": "photo", "caption": "/start promo"},
        {"kind": "sticker"},
        {"kind": "poll", "text": "buy?"},
        {"kind": "dice"},
        {"kind": "contact"},
        {"kind": "location"},
        {"kind": "story"},
        {"text": "cheap followers", "via_bot_id": inline_bot},
    ]
    for fields in sent:
        await control.say(story.group, story.alice, fields.pop("text", ""), **fields)

    messages = [u.message for u in await story.bot.get_updates(timeout=0) if u.message]

    assert [m.content_type for m in messages] == [
        "photo",
        "sticker",
        "poll",
        "dice",
        "contact",
        "location",
        "story",
        "text",
    ]
    photo, *_, via = messages
    assert photo.caption == "/start promo"
    assert photo.caption_entities is not None
    assert photo.caption_entities[0].type == "bot_command"
    assert via.via_bot is not None
    assert via.via_bot.id == inline_bot
    assert all(m.from_user is not None and m.from_user.id == story.alice for m in messages)


async def test_a_caption_is_for_media_and_an_unknown_kind_is_refused(story: Story) -> None:
    control = story.control
    await control.join(story.group, story.alice)

    for fields in ({"kind": "dice", "caption": "/start"}, {"kind": "hologram"}):
        with pytest.raises(SandboxError) as refused:
            await control.say(story.group, story.alice, "", **fields)
        assert refused.value.status == 400
