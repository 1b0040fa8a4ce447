"""Issue 13: set-up by taps, in the owner's language. Adding the bot with its rights pre-ticked,
every text in the group's language, short answers to /start and /help in a group, "typing…"
while a command takes a moment, /protect with chat pickers or a private channel's link. The
settings panel's taps: test_settings_taps.py."""

from __future__ import annotations

import json

import pytest
from aiogram.types import BotCommandScopeAllChatAdministrators

from gmbot.gateway.texts import say
from tests.support.e2e import E2E
from tests.support.e2e_steps import buttons_of
from tests.support.sandbox import aiogram_bot


async def test_start_in_private_offers_to_add_the_bot_with_its_rights_ticked(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Lucía", language_code="es"))["id"])
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "/start")
    reply = await e2e.wait_for_call(mark, "sendMessage", owner)

    urls = {b["text"]: b["url"] for b in buttons_of(reply) if "url" in b}
    assert "Añádeme a tu grupo" in reply["params"]["text"]
    assert urls["➕ Añadirme a un grupo"] == (
        "https://t.me/gmbot_e2e_bot?startgroup&admin=delete_messages+restrict_members+invite_users"
    )
    assert urls["➕ Añadirme a un canal"] == (
        "https://t.me/gmbot_e2e_bot?startchannel&admin=invite_users"
    )


async def test_rights_menus_and_descriptions_are_published_per_language(e2e: E2E) -> None:
    bot = aiogram_bot(e2e.sandbox.url, e2e.stack.config.bot_token)
    try:
        await e2e.profile_published(bot)
        groups = await bot.get_my_default_administrator_rights()
        channels = await bot.get_my_default_administrator_rights(for_channels=True)
        admin_menu_ru = await bot.get_my_commands(
            scope=BotCommandScopeAllChatAdministrators(), language_code="ru"
        )
        description_fa = (await bot.get_my_description(language_code="fa")).description
        short_tr = (await bot.get_my_short_description(language_code="tr")).short_description
        short_default = (await bot.get_my_short_description()).short_description
    finally:
        await bot.session.close()

    assert groups.can_delete_messages
    assert groups.can_restrict_members
    assert groups.can_invite_users
    assert not groups.can_promote_members
    assert channels.can_invite_users
    assert not channels.can_delete_messages
    assert [c.command for c in admin_menu_ru] == [
        "protect",
        "unprotect",
        "status",
        "settings",
        "exempt",
        "muted",
        "stats",
        "check",
    ]
    assert admin_menu_ru[3].description == "Настройки кнопками"
    assert "/protect" in description_fa
    assert "گروه" in description_fa
    assert short_tr == "Grubunda yalnızca kanallarının takipçileri yazabilir."
    assert short_default == "Only followers of your channels can write in your group."


async def test_the_bot_added_to_a_group_says_which_rights_it_has_and_lacks(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Olena", language_code="uk"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Українці", creator_id=owner))["id"])
    mark = await e2e.mark()

    await e2e.control.promote(
        group, e2e.bot_id, rights={"can_delete_messages": True}, actor_id=owner
    )
    welcome = await e2e.wait_for_call(mark, "sendMessage", group)

    text = welcome["params"]["text"]
    assert "Мої права: видаляти повідомлення." in text
    assert "Мені ще потрібні права: блокувати користувачів, запрошувати за посиланням." in text


async def test_start_and_help_in_a_group_get_a_short_answer(e2e: E2E) -> None:
    """From a member who follows the channels (anyone else's is judged like any message:
    test_nobody_gets_around.py), and from an administrator."""
    scene = await e2e.scene(("dave", True))
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.members["dave"], "/help")
    help_reply = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    await e2e.control.say(scene.group, scene.owner, "/start@gmbot_e2e_bot")
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text="/help")
    await e2e.settle()

    methods = [c["method"] for c in await e2e.calls(mark, scene.group)]
    assert "Join-request gate (<code>gate_join_requests</code>)" in help_reply["params"]["text"]
    assert "deleteMessage" not in methods
    assert "deleteMessages" not in methods
    assert "restrictChatMember" not in methods


async def test_a_slow_check_shows_typing(e2e: E2E) -> None:
    scene = await e2e.scene()
    mark = await e2e.mark()
    await e2e.control.set_faults(latency=0.2)
    try:
        await e2e.control.say(scene.group, scene.owner, "/check")
        await e2e.wait_for_call(mark, "sendMessage", scene.group, text="All good")
    finally:
        await e2e.control.set_faults(latency=0.0)

    actions = await e2e.control.journal("sendChatAction", e2e.bot_id, since=mark)
    assert [
        a["params"]["action"] for a in actions if str(a["params"]["chat_id"]) == str(scene.group)
    ]


@pytest.mark.parametrize(("language", "code"), [("pt_BR", "pt-br"), ("en", "en"), ("ru", "ru")])
async def test_protect_in_private_with_chat_pickers_nothing_typed(
    e2e: E2E, language: str, code: str
) -> None:
    owner = int((await e2e.control.create_user("Paula", language_code=code))["id"])
    member = int((await e2e.control.create_user("Mia"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Grupo", creator_id=owner))["id"])
    # A private channel: no username, no id typed anywhere.
    channel = int((await e2e.control.create_chat("channel", "Canal", creator_id=owner))["id"])
    await e2e.control.join(group, member)
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "/protect")
    offer = await e2e.wait_for_call(mark, "sendMessage", owner, text=say(language, "pick_group"))
    keyboard = json.loads(offer["params"]["reply_markup"])["keyboard"]
    request = keyboard[0][0]["request_chat"]
    assert request["request_id"] == 1
    assert request["chat_is_channel"] is False
    assert request["bot_administrator_rights"]["can_restrict_members"] is True

    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 1, group)
    await e2e.wait_for_call(mark, "sendMessage", owner, text=say(language, "pick_channel"))
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 2, channel)
    button = say(language, "pick_done_button")
    added = say(language, "picked_channel", channel="Canal", done=button)
    await e2e.wait_for_call(mark, "sendMessage", owner, text=added)
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, button)
    done = await e2e.wait_for_call(
        mark,
        "sendMessage",
        owner,
        text=say(language, "protected_group", group="Grupo", channels="Canal"),
    )

    assert "Grupo" in done["params"]["text"]
    assert "Canal" in done["params"]["text"]
    assert "remove_keyboard" in str(done["params"]["reply_markup"])
    await e2e.wait_for_call(mark, "createChatInviteLink", channel)

    mark = await e2e.mark()
    await e2e.control.say(group, member, "hello")
    await e2e.wait_for_call(mark, "deleteMessage", group)


async def test_picked_chats_still_obey_every_rule_of_protect(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Ömer", language_code="tr"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Grup", creator_id=owner))["id"])
    channel = int((await e2e.control.create_chat("channel", "Kanal", creator_id=owner))["id"])
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/protect")
    await e2e.wait_for_call(mark, "sendMessage", owner)
    await e2e.control.share_chat(e2e.bot_id, owner, 1, group)
    await e2e.wait_for_call(mark, "sendMessage", owner, text="kanal seç")
    await e2e.control.share_chat(e2e.bot_id, owner, 2, channel)
    await e2e.wait_for_call(mark, "sendMessage", owner, text="Kanal eklendi")
    # Someone takes the bot's rights in the channel before the owner confirms.
    await e2e.control.set_member(channel, e2e.bot_id, "member", actor_id=owner)
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "✅ Koru")
    # GMBot's thanks for being added to Kanal (by the picker) answers an update of its own,
    # which may be handled after the mark: the refusal is the message naming the missing rights.
    refusal = await e2e.wait_for_call(mark, "sendMessage", owner, text="yönetici değilim")

    assert "Kanal kanalında yönetici değilim" in refusal["params"]["text"]
    assert "keyboard" in str(refusal["params"]["reply_markup"])


async def test_protect_in_the_group_accepts_a_private_channels_invite_link(e2e: E2E) -> None:
    scene = await e2e.scene()
    private = int(
        (await e2e.control.create_chat("channel", "Hidden", creator_id=scene.owner))["id"]
    )
    await e2e.control.promote(private, e2e.bot_id, actor_id=scene.owner)

    async def link_known() -> bool:
        return any(link["is_primary"] for link in await e2e.control.invite_links(private))

    await e2e.wait_for(link_known)
    link = next(x for x in await e2e.control.invite_links(private) if x["is_primary"])
    await e2e.settle(0.5)  # the gateway remembers it right after reading it
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, f"/protect {link['link']}")
    reply = await e2e.wait_for_call(mark, "sendMessage", scene.group)

    assert "Hidden" in reply["params"]["text"]
    assert reply["params"]["text"].startswith("Done.")
