"""Telegram allows names and titles longer than GMBot's columns and buttons: a long owner name
or channel title never breaks /protect, nor the warnings that follow."""

from __future__ import annotations

import json

import pytest

from tests.support.gateway import RunningGateway, World, updates_failed

LONG_TITLE = "The Very Long Channel Title Of A Channel That Posts News " * 2  # 114 characters


@pytest.mark.parametrize("tenancy_database", ["sqlite", "postgres"])
async def test_a_129_character_owner_name_and_a_long_channel_title_never_break_protect(
    world: World, gateway: RunningGateway
) -> None:
    control = gateway.control
    owner = int((await control.create_user("F" * 64, last_name="L" * 64))["id"])
    group = int((await control.create_chat("supergroup", "G" * 128, creator_id=owner))["id"])
    channel = int(
        (await control.create_chat("channel", LONG_TITLE, username="long_news", creator_id=owner))[
            "id"
        ]
    )
    for chat in (group, channel):
        await control.promote(chat, world.bot_id)
    await control.join(group, world.member)
    failed = updates_failed()
    mark = await gateway.mark()

    await control.say(group, owner, "/protect @long_news")
    replies = await gateway.reply_to(mark, group, containing="Done")

    assert "@long_news" in replies[-1]
    assert updates_failed() == failed

    # The member does not follow it: warned, with a join button Telegram accepts.
    mark = await gateway.mark()
    await control.say(group, world.member, "hi")
    await gateway.reply_to(mark, group, containing="please join")
    sent = [
        c for c in await gateway.calls("sendMessage", mark) if "please join" in c["params"]["text"]
    ]
    markup = sent[0]["params"]["reply_markup"]
    keyboard = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
    buttons = [row[0] for row in keyboard]

    # GMBot's own link for the group (public channel or not), named within Telegram's 32.
    links = {link["link"]: link for link in await control.invite_links(channel)}
    assert links[buttons[0]["url"]]["name"] == f"GMBot · {group}"[:32]
    assert 0 < len(buttons[0]["text"]) <= 64
    assert buttons[0]["text"].startswith("The Very Long Channel Title")
    assert updates_failed() == failed
