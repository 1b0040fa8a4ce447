"""The bot's profile methods GMBot publishes at start-up, and chat actions, through aiogram."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    ChatAdministratorRights,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    WebAppInfo,
)

from tests.support.sandbox import Story


def _rights(**granted: bool) -> ChatAdministratorRights:
    fields = [n for n, f in ChatAdministratorRights.model_fields.items() if f.is_required()]
    return ChatAdministratorRights(**{name: granted.get(name, False) for name in fields})


async def test_default_administrator_rights_are_kept_for_groups_and_channels(story: Story) -> None:
    bot = story.bot
    await bot.set_my_default_administrator_rights(
        _rights(can_delete_messages=True, can_restrict_members=True)
    )
    await bot.set_my_default_administrator_rights(_rights(can_invite_users=True), for_channels=True)

    groups = await bot.get_my_default_administrator_rights()
    channels = await bot.get_my_default_administrator_rights(for_channels=True)

    assert groups.can_delete_messages
    assert groups.can_restrict_members
    assert not groups.can_invite_users
    assert channels.can_invite_users
    assert not channels.can_delete_messages


async def test_descriptions_per_language_fall_back_to_the_default(story: Story) -> None:
    bot = story.bot
    await bot.set_my_description("Keeps groups")
    await bot.set_my_description("Охраняет группы", language_code="ru")
    await bot.set_my_short_description("Followers only", language_code="es")

    assert (await bot.get_my_description(language_code="ru")).description == "Охраняет группы"
    assert (await bot.get_my_description(language_code="tr")).description == "Keeps groups"
    assert (
        await bot.get_my_short_description(language_code="es")
    ).short_description == "Followers only"


async def test_a_description_too_long_is_refused(story: Story) -> None:
    with pytest.raises(TelegramBadRequest, match="SHORT_DESCRIPTION_INVALID"):
        await story.bot.set_my_short_description("x" * 121)


async def test_typing_is_shown_where_the_bot_is_and_refused_elsewhere(story: Story) -> None:
    control, bot = story.control, story.bot
    stranger_group = (await control.create_chat("supergroup", "Other", creator_id=story.owner))[
        "id"
    ]

    assert await bot.send_chat_action(story.group, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(story.group, "dancing")
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_chat_action(stranger_group, "typing")


async def test_the_menu_button_opens_a_web_app_in_every_private_chat(story: Story) -> None:
    bot = story.bot
    app = WebAppInfo(url="https://gmbot.example/app/")
    await bot.set_chat_menu_button(menu_button=MenuButtonWebApp(text="Dashboard", web_app=app))

    button = await bot.get_chat_menu_button(chat_id=story.owner)

    assert isinstance(button, MenuButtonWebApp)
    assert (button.text, button.web_app.url) == ("Dashboard", "https://gmbot.example/app/")
    with pytest.raises(TelegramBadRequest, match="BUTTON_URL_INVALID"):
        await bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(text="x", web_app=WebAppInfo(url="http://gmbot.example/"))
        )


async def test_web_app_buttons_are_taken_in_private_chats_only(story: Story) -> None:
    bot = story.bot
    row = [InlineKeyboardButton(text="Open", web_app=WebAppInfo(url="https://gmbot.example/"))]
    keyboard = InlineKeyboardMarkup(inline_keyboard=[row])
    await story.control.say_to_bot(story.bot_id, story.owner, "/start")

    await bot.send_message(story.owner, "dashboard", reply_markup=keyboard)
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(story.group, "dashboard", reply_markup=keyboard)
