"""The set-up by chat pickers is offered wherever owners look (issue 23): `/start`'s button,
`/help` and the private command menu, GMBot's message when it is added to a group or a channel;
and a new group speaks its protector's language, said in the reply. In English and in Russian,
read from the catalogs."""

from __future__ import annotations

import pytest
from aiogram.types import BotCommandScopeAllPrivateChats

from gmbot.gateway.texts import LANGUAGE_NAMES, say
from tests.support.e2e import E2E
from tests.support.e2e_steps import button, buttons_of, head, in_private, press
from tests.support.sandbox import aiogram_bot

LANGUAGES = pytest.mark.parametrize("language", ["en", "ru"])


@LANGUAGES
async def test_start_offers_protect_a_group(e2e: E2E, language: str) -> None:
    owner = int((await e2e.control.create_user("Omar", language_code=language))["id"])
    pick = say(language, "pick_group")

    start = await in_private(e2e, owner, "/start")
    mark = await e2e.mark()
    await press(e2e, owner, start, owner, button(start, say(language, "button_protect_group")))
    picker = await e2e.wait_for_call(mark, "sendMessage", owner, text=pick)
    linked = await in_private(e2e, owner, "/start protect", pick)

    assert buttons_of(start)[0]["text"] == say(language, "button_protect_group")
    assert say(language, "start") in start["params"]["text"]
    assert "request_chat" in str(picker["params"]["reply_markup"])
    assert "request_chat" in str(linked["params"]["reply_markup"])


@pytest.mark.parametrize(
    ("language", "pickers"),
    [
        ("en", "/protect — set up a group: pick it and its channels"),
        ("ru", "/protect — настроить группу: выбрать её и каналы"),
    ],
)
async def test_help_and_the_private_menu_offer_the_set_up_by_pickers(
    e2e: E2E, language: str, pickers: str
) -> None:
    owner = int((await e2e.control.create_user("Ivan", language_code=language))["id"])
    bot = aiogram_bot(e2e.sandbox.url, e2e.stack.config.bot_token)
    try:
        await e2e.profile_published(bot)
        menu = await bot.get_my_commands(
            scope=BotCommandScopeAllPrivateChats(), language_code=language
        )
    finally:
        await bot.session.close()

    help_text = (await in_private(e2e, owner, "/help"))["params"]["text"]

    assert pickers in help_text
    for command in menu:  # /help names every command of the menu, /exempt too
        assert f"/{command.command}" in help_text
    assert "/exempt" in help_text
    assert [c.command for c in menu][:2] == ["start", "protect"]
    assert menu[1].description == say(language, "cmd_private_protect")
    assert {"status", "settings", "check", "unprotect"} <= {c.command for c in menu}


@LANGUAGES
async def test_the_bot_added_to_a_group_or_a_channel_links_to_the_pickers(
    e2e: E2E, language: str
) -> None:
    owner = int((await e2e.control.create_user("Olga", language_code=language))["id"])
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/start")
    group = int((await e2e.control.create_chat("supergroup", "Added", creator_id=owner))["id"])
    channel = int((await e2e.control.create_chat("channel", "Added news", creator_id=owner))["id"])
    mark = await e2e.mark()

    await e2e.control.promote(group, e2e.bot_id, actor_id=owner)
    welcome = await e2e.wait_for_call(mark, "sendMessage", group)
    await e2e.control.promote(channel, e2e.bot_id, actor_id=owner)
    thanks = head(language, "channel_added")
    told = await e2e.wait_for_call(mark, "sendMessage", owner, text=thanks)

    link = 'href="https://t.me/gmbot_e2e_bot?start=protect"'
    assert link in welcome["params"]["text"]
    assert link in told["params"]["text"]


@pytest.mark.parametrize(("language", "done"), [("en", "Done"), ("ru", "Готово")])
async def test_protect_sets_the_groups_language_from_the_protector(
    e2e: E2E, language: str, done: str
) -> None:
    mark = await e2e.mark()
    scene = await e2e.scene(language=language)

    reply = await e2e.wait_for_call(mark, "sendMessage", scene.group, text=done)
    policy = await e2e.policy(scene.group)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/status")
    status = await e2e.wait_for_call(mark, "sendMessage", scene.group)

    assert policy.settings.language == language
    changed = say(language, "protected_language", name=LANGUAGE_NAMES[language])
    # A group already speaking English is not told it now does.
    assert (changed in reply["params"]["text"]) == (language != "en")
    assert status["params"]["text"].startswith(head(language, "status_on"))
