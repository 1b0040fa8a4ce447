"""Issue 13: set-up by taps, in the owner's language. Adding the bot with its rights pre-ticked,
settings as buttons, every text in the group's language, short answers to /start and /help in a
group, "typing…" while a command takes a moment."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram.types import BotCommandScopeAllChatAdministrators

from gmbot.v1 import tenancy_pb2 as tenancy
from tests.e2e.conftest import DIGEST_SECONDS, E2E
from tests.integration.sandbox.conftest import aiogram_bot


def _buttons(call: dict[str, Any]) -> list[dict[str, str]]:
    markup = call["params"].get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def test_start_in_private_offers_to_add_the_bot_with_its_rights_ticked(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Lucía", language_code="es"))["id"])
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "/start")
    reply = await e2e.wait_for_call(mark, "sendMessage", owner)

    urls = {b["text"]: b["url"] for b in _buttons(reply) if "url" in b}
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


async def _tap(e2e: E2E, group: int, panel_id: int, user: int, data: str) -> dict[str, Any]:
    """Taps a panel button; returns the panel as it is drawn again."""
    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, user, data)
    return await e2e.wait_for_call(mark, "editMessageText", group)


def _data(call: dict[str, Any], text: str) -> str:
    return next(b["callback_data"] for b in _buttons(call) if b["text"] == text)


async def test_a_settings_tap_changes_nothing_until_a_value_is_chosen(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Settings")
    buttons = {b["callback_data"].split(":")[1]: b for b in _buttons(shown)}

    assert buttons["action"]["text"] == "Action: mute"
    assert buttons["warning_ttl_seconds"]["text"] == "Warning lifetime: 300 s"
    assert buttons["kick_after_minutes"]["text"] == "Kick after: never"
    assert buttons["on_unknown"]["text"] == "If membership is unknown: let through"
    assert buttons["gate_join_requests"]["text"] == "Join-request gate: off"
    assert buttons["language"]["text"] == "Language: English"
    assert buttons["mode"]["text"] == "Mode: enforce"
    # The text does not repeat the buttons.
    assert "Warning lifetime" not in shown["params"]["text"]

    panel = [m for m in await e2e.control.messages(scene.group) if m.get("reply_markup")][-1]
    panel_id = int(panel["message_id"])
    mark = await e2e.mark()
    query = await e2e.control.press(
        scene.group, panel_id, scene.members["carol"], buttons["action"]["callback_data"]
    )
    await e2e.wait_for_call(mark, "answerCallbackQuery")
    assert "administrators" in str(await e2e.control.callback_answer(query))
    assert not [c for c in await e2e.calls(mark) if c["method"] == "editMessageText"]

    # A tap opens the choices, the current one marked; nothing changes yet.
    actions = await _tap(
        e2e, scene.group, panel_id, scene.owner, buttons["action"]["callback_data"]
    )
    assert [b["text"] for b in _buttons(actions)] == ["✅ mute", "kick", "delete only", "« Back"]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_MUTE

    # Kick removes people: asked once, applied when confirmed.
    asked = await _tap(e2e, scene.group, panel_id, scene.owner, _data(actions, "kick"))
    assert "removed from the group" in asked["params"]["text"]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_MUTE
    edited = await _tap(e2e, scene.group, panel_id, scene.owner, _data(asked, "Yes, apply"))
    assert "Action: kick" in [b["text"] for b in _buttons(edited)]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_KICK

    # Observe mode is a choice away, and so is enforcing again.
    for now, value in (
        ("enforce", "observe (act on nobody)"),
        ("observe (act on nobody)", "enforce"),
    ):
        modes = await _tap(e2e, scene.group, panel_id, scene.owner, _data(edited, f"Mode: {now}"))
        edited = await _tap(e2e, scene.group, panel_id, scene.owner, _data(modes, value))
        assert f"Mode: {value}" in [b["text"] for b in _buttons(edited)]

    # Choosing a language walks through no other: the panel turns Russian at once.
    languages = await _tap(
        e2e, scene.group, panel_id, scene.owner, _data(edited, "Language: English")
    )
    edited = await _tap(e2e, scene.group, panel_id, scene.owner, _data(languages, "Русский"))
    assert "Действие: исключить" in str(_buttons(edited))
    assert (await e2e.policy(scene.group)).settings.language == "ru"

    # A stale choice (drawn at a version before) does not overwrite what changed since.
    mark = await e2e.mark()
    await e2e.control.press(scene.group, panel_id, scene.owner, _data(actions, "✅ mute"))
    await e2e.wait_for_call(mark, "answerCallbackQuery")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "hi")
    # Still kick: the stale press changed nothing.
    await e2e.wait_for_call(mark, "banChatMember", scene.group)


async def test_kick_asks_for_confirmation_once_in_russian(e2e: E2E) -> None:
    scene = await e2e.scene(language="ru")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/settings language ru")
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Русский")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Настройки")
    panel_id = int(shown["result"]["message_id"])

    kick_after = await _tap(
        e2e, scene.group, panel_id, scene.owner, _data(shown, "Удалять через: никогда")
    )
    asked = await _tap(e2e, scene.group, panel_id, scene.owner, _data(kick_after, "60 мин"))
    assert "будут удалены из группы" in asked["params"]["text"]
    assert (await e2e.policy(scene.group)).settings.kick_after_minutes == 0
    edited = await _tap(e2e, scene.group, panel_id, scene.owner, _data(asked, "Да, применить"))

    assert "Удалять через: 60 мин" in [b["text"] for b in _buttons(edited)]
    assert (await e2e.policy(scene.group)).settings.kick_after_minutes == 60


async def test_typed_settings_refuse_in_the_groups_language(e2e: E2E) -> None:
    scene = await e2e.scene(language="es")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/settings language es")
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Español")
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, "/settings action ban")
    refusal = await e2e.wait_for_call(mark, "sendMessage", scene.group)

    assert refusal["params"]["text"].startswith("Sin cambios: action es uno de: mute, kick")


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


async def test_protect_in_private_with_chat_pickers_nothing_typed(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Paula", language_code="pt-br"))["id"])
    member = int((await e2e.control.create_user("Mia"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Grupo", creator_id=owner))["id"])
    # A private channel: no username, no id typed anywhere.
    channel = int((await e2e.control.create_chat("channel", "Canal", creator_id=owner))["id"])
    await e2e.control.join(group, member)
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "/protect")
    offer = await e2e.wait_for_call(mark, "sendMessage", owner, text="Qual grupo")
    keyboard = json.loads(offer["params"]["reply_markup"])["keyboard"]
    request = keyboard[0][0]["request_chat"]
    assert request["request_id"] == 1
    assert request["chat_is_channel"] is False
    assert request["bot_administrator_rights"]["can_restrict_members"] is True

    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 1, group)
    await e2e.wait_for_call(mark, "sendMessage", owner, text="Agora escolha um canal")
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 2, channel)
    await e2e.wait_for_call(mark, "sendMessage", owner, text="Canal adicionado")
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, "✅ Proteger")
    done = await e2e.wait_for_call(mark, "sendMessage", owner, text="Pronto")

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
    refusal = await e2e.wait_for_call(mark, "sendMessage", owner)

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


@pytest.mark.parametrize(("language", "live"), [("en", "is live"), ("ru", "под защитой")])
async def test_the_observe_digest_goes_live_with_one_tap(
    e2e: E2E, language: str, live: str
) -> None:
    scene = await e2e.scene(("carol", False), language=language)
    owner = scene.owner
    for setting in (f"language {language}", "mode observe"):
        mark = await e2e.mark()
        await e2e.control.say(scene.group, owner, f"/settings {setting}")
        await e2e.wait_for_call(mark, "sendMessage", scene.group)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "hi")
    digest = await e2e.wait_for_call(
        mark, "sendMessage", owner, text="👀", seconds=3 * DIGEST_SECONDS
    )
    [go_live] = _buttons(digest)

    mark = await e2e.mark()
    await e2e.control.press(
        owner, int(digest["result"]["message_id"]), owner, go_live["callback_data"]
    )

    await e2e.wait_for_call(mark, "sendMessage", owner, text=live)
    assert (await e2e.policy(scene.group)).settings.mode == tenancy.GROUP_MODE_ENFORCE


@pytest.mark.parametrize(
    ("language", "kick_after", "type_it", "apply", "now"),
    [
        ("en", "Kick after: never", "✏️ Type a number", "Yes, apply", "Kick after: 45 min"),
        (
            "ru",
            "Удалять через: никогда",
            "✏️ Ввести число",
            "Да, применить",
            "Удалять через: 45 мин",
        ),
    ],
)
async def test_a_number_typed_in_reply_to_the_prompt_is_chosen_and_confirmed_once(
    e2e: E2E, language: str, kick_after: str, type_it: str, apply: str, now: str
) -> None:
    scene = await e2e.scene(language=language)
    group, owner = scene.group, scene.owner
    mark = await e2e.mark()
    await e2e.control.say(group, owner, f"/settings language {language}")
    await e2e.wait_for_call(mark, "sendMessage", group)
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", group)
    panel_id = int(shown["result"]["message_id"])
    presets = await _tap(e2e, group, panel_id, owner, _data(shown, kick_after))

    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, owner, _data(presets, type_it))
    prompt = await e2e.wait_for_call(mark, "sendMessage", group, text="kick_after_minutes")
    assert json.loads(prompt["params"]["reply_markup"])["force_reply"] is True
    mark = await e2e.mark()
    await e2e.control.say(
        group, owner, "45", reply_to_message_id=int(prompt["result"]["message_id"])
    )
    asked = await e2e.wait_for_call(mark, "sendMessage", group)
    assert (await e2e.policy(group)).settings.kick_after_minutes == 0

    confirmed = await _tap(
        e2e, group, int(asked["result"]["message_id"]), owner, _data(asked, apply)
    )

    assert now in [b["text"] for b in _buttons(confirmed)]
    assert (await e2e.policy(group)).settings.kick_after_minutes == 45
