"""Every administrator is an owner (issue 23), end to end through the sandbox: whoever
administers a protected group, not only whoever protected it, manages it from private by
picking it, with Back on every view; the set-up by chat pickers is offered wherever owners look;
a new group speaks its protector's language."""

from __future__ import annotations

from aiogram.types import BotCommandScopeAllPrivateChats

from tests.support.e2e import E2E
from tests.support.e2e_steps import Call, button, co_admin, keyboard, press
from tests.support.sandbox import aiogram_bot


def texts(call: Call) -> list[str]:
    return [b["text"] for row in keyboard(call) for b in row]


def groups_in(listing: Call) -> list[str]:
    """/groups' buttons but the last, which turns the reader's alerts on or off."""
    *groups, alerts = texts(listing)
    assert alerts.startswith(("🔔", "🔕"))
    return groups


async def in_private(e2e: E2E, user: int, text: str, reply_has: str = "") -> Call:
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, user, text)
    return await e2e.wait_for_call(mark, "sendMessage", user, text=reply_has)


async def tap(e2e: E2E, user: int, message: Call, words: str) -> Call:
    """`user` presses the button with `words` on `message`; returns the message edited."""
    mark = await e2e.mark()
    await press(e2e, user, message, user, button(message, words))
    return await e2e.wait_for_call(mark, "editMessageText", user)


async def test_a_co_admin_who_opens_the_bot_sees_the_group(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene)
    title = (await e2e.policy(scene.group)).title

    listing = await in_private(e2e, user, "/groups")

    assert "Groups you administer that I protect:" in listing["params"]["text"]
    assert title in listing["params"]["text"]
    assert groups_in(listing) == [title]


async def test_an_anonymous_administrator_who_opens_the_bot_sees_the_group(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene, anonymous=True)

    listing = await in_private(e2e, user, "/groups")

    assert groups_in(listing) == [(await e2e.policy(scene.group)).title]


async def test_groups_lists_every_group_you_administer(e2e: E2E) -> None:
    first, second = await e2e.scene(), await e2e.scene()
    user = await co_admin(e2e, first)
    await e2e.control.join(second.group, user)
    await e2e.control.promote(second.group, user, actor_id=second.owner)
    await e2e.settle(0.5)
    stranger = int((await e2e.control.create_user("Sam"))["id"])

    listing = await in_private(e2e, user, "/groups")
    nothing = await in_private(e2e, stranger, "/groups")

    titles = [(await e2e.policy(s.group)).title for s in (first, second)]
    assert sorted(groups_in(listing)) == sorted(titles)
    assert "You administer no group I protect yet" in nothing["params"]["text"]


async def test_private_settings_after_picking_the_group_with_back(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene)
    title = (await e2e.policy(scene.group)).title

    chooser = await in_private(e2e, user, "/settings", "Which group?")
    settings = await tap(e2e, user, chooser, title)
    menu = await tap(e2e, user, settings, "Back")
    status = await tap(e2e, user, menu, "Status")
    back = await tap(e2e, user, status, "Back")

    assert texts(chooser) == [title]
    assert "Settings (change one with" in settings["params"]["text"]
    assert "Language" in settings["params"]["text"]
    assert texts(settings)[-1] == "« Back"
    assert title in menu["params"]["text"]
    assert texts(menu) == [
        "📋 Status",
        "⚙️ Settings",
        "🔇 Muted members",
        "📊 Statistics",
        "🔎 Check my rights",
        "⛔ Stop protecting",
        "« Back",
    ]
    assert f"@{scene.channel_username}" in status["params"]["text"]
    assert texts(back) == texts(menu)


async def test_status_check_and_stats_in_private_each_come_back(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene)
    title = (await e2e.policy(scene.group)).title

    checked = await tap(e2e, user, await in_private(e2e, user, "/check", "Which group?"), title)
    figures = await tap(e2e, user, await in_private(e2e, user, "/stats", "Which group?"), title)
    listing = await tap(e2e, user, await in_private(e2e, user, "/muted", "Which group?"), title)

    assert "All good" in checked["params"]["text"]
    assert "joined the channels because of me" in figures["params"]["text"]
    assert title in listing["params"]["text"]
    for view in (checked, figures, listing):
        assert texts(view)[-1] == "« Back"


async def test_a_co_admin_unprotects_in_private_after_confirming(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene)
    title = (await e2e.policy(scene.group)).title

    chooser = await in_private(e2e, user, "/unprotect", "Which group?")
    confirm = await tap(e2e, user, chooser, title)
    still = (await e2e.policy(scene.group)).enabled
    done = await tap(e2e, user, confirm, "Yes, stop protecting")

    assert f"Stop protecting «{title}»?" in confirm["params"]["text"]
    assert still
    assert "Protection is off" in done["params"]["text"]
    assert texts(done) == ["« Back"]
    assert not (await e2e.policy(scene.group)).enabled


async def test_someone_demoted_can_no_longer_press_the_groups_buttons(e2e: E2E) -> None:
    scene = await e2e.scene()
    user = await co_admin(e2e, scene)
    chooser = await in_private(e2e, user, "/status", "Which group?")
    await e2e.control.set_member(scene.group, user, "member", actor_id=scene.owner)
    await e2e.settle(0.5)

    answer = await press(e2e, user, chooser, user, button(chooser, "Group"))

    assert "Only administrators of this group" in str(answer)


async def test_start_offers_protect_a_group(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Omar"))["id"])

    start = await in_private(e2e, owner, "/start")
    mark = await e2e.mark()
    await press(e2e, owner, start, owner, button(start, "Protect a group"))
    picker = await e2e.wait_for_call(mark, "sendMessage", owner, text="Which group shall I protect")
    linked = await in_private(e2e, owner, "/start protect", "Which group shall I protect")

    assert texts(start)[0] == "🛡 Protect a group"
    assert "Press «Protect a group» below" in start["params"]["text"]
    assert "request_chat" in str(picker["params"]["reply_markup"])
    assert "request_chat" in str(linked["params"]["reply_markup"])


async def test_help_and_the_private_menu_offer_the_set_up_by_pickers(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Ivan", language_code="ru"))["id"])
    bot = aiogram_bot(e2e.sandbox.url, e2e.stack.config.bot_token)
    try:
        await e2e.profile_published(bot)
        menu = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    finally:
        await bot.session.close()

    help_text = (await in_private(e2e, owner, "/help"))["params"]["text"]

    assert "/protect — настроить группу: выбрать её и каналы" in help_text
    assert [c.command for c in menu][:2] == ["start", "protect"]
    assert menu[1].description == "Настроить группу: выбрать её и каналы"
    assert {"status", "settings", "check", "unprotect"} <= {c.command for c in menu}


async def test_the_bot_added_to_a_group_or_a_channel_links_to_the_pickers(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Olga"))["id"])
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/start")
    group = int((await e2e.control.create_chat("supergroup", "Added", creator_id=owner))["id"])
    channel = int((await e2e.control.create_chat("channel", "Added news", creator_id=owner))["id"])
    mark = await e2e.mark()

    await e2e.control.promote(group, e2e.bot_id, actor_id=owner)
    welcome = await e2e.wait_for_call(mark, "sendMessage", group)
    await e2e.control.promote(channel, e2e.bot_id, actor_id=owner)
    told = await e2e.wait_for_call(mark, "sendMessage", owner, text="Thanks for adding me")

    link = 'href="https://t.me/gmbot_e2e_bot?start=protect"'
    assert link in welcome["params"]["text"]
    assert link in told["params"]["text"]


async def test_protect_sets_the_groups_language_from_the_protector(e2e: E2E) -> None:
    mark = await e2e.mark()
    scene = await e2e.scene(language="ru")

    reply = await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Готово")
    policy = await e2e.policy(scene.group)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/status")
    status = await e2e.wait_for_call(mark, "sendMessage", scene.group)

    assert policy.settings.language == "ru"
    assert "Теперь в этой группе я говорю на языке «Русский»" in reply["params"]["text"]
    assert status["params"]["text"].startswith("Нужно подписаться на")


async def test_rights_lost_alert_reaches_every_admin_who_opened_the_bot(e2e: E2E) -> None:
    scene = await e2e.scene()
    opened = await co_admin(e2e, scene)
    silent = await co_admin(e2e, scene)
    never = int((await e2e.control.create_user("Nadia"))["id"])
    await e2e.control.join(scene.group, never)
    await e2e.control.promote(scene.group, never, actor_id=scene.owner)
    listing = await in_private(e2e, silent, "/groups")
    turned = await press(e2e, silent, listing, silent, button(listing, "Alerts on"))
    await e2e.settle(0.5)
    mark = await e2e.mark()

    await e2e.control.promote(
        scene.group, e2e.bot_id, {"can_delete_messages": True}, actor_id=scene.owner
    )
    for user in (scene.owner, opened):
        await e2e.wait_for_call(mark, "sendMessage", user, text="I stopped protecting")
    await e2e.settle()

    told = {
        int(c["params"]["chat_id"])
        for c in await e2e.calls(mark)
        if c["method"] == "sendMessage" and "I stopped protecting" in c["params"]["text"]
    }
    assert told == {scene.owner, opened}
    assert "I will not send you alerts any more" in str(turned)


async def test_a_channels_problem_reaches_every_admin_who_opened_the_bot(e2e: E2E) -> None:
    scene = await e2e.scene()
    opened = await co_admin(e2e, scene)
    mark = await e2e.mark()

    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)

    for user in (scene.owner, opened):
        lost = await e2e.wait_for_call(mark, "sendMessage", user)
        assert lost["params"]["text"].startswith(f"⚠ @{scene.channel_username}")
