"""Every administrator is an owner (issue 23), end to end through the sandbox: whoever
administers a protected group, not only whoever protected it, manages it from private by
picking it, with Back on every view, and hears the group's alerts. Each in English and in
Russian (three plural forms), read from the catalogs (test_setup_offered.py: where the set-up is
offered)."""

from __future__ import annotations

import pytest

from gmbot.gateway.texts import LANGUAGE_NAMES, say, say_count
from tests.support.e2e import E2E
from tests.support.e2e_steps import Call, button, co_admin, head, in_private, keyboard, press


def texts(call: Call) -> list[str]:
    return [b["text"] for row in keyboard(call) for b in row]


def datas(call: Call) -> list[str]:
    return [b["callback_data"] for row in keyboard(call) for b in row]


LANGUAGES = pytest.mark.parametrize("language", ["en", "ru"])


def groups_in(listing: Call) -> list[str]:
    """/groups' buttons but the last, which turns the reader's alerts on or off."""
    *groups, alerts = texts(listing)
    assert alerts.startswith(("🔔", "🔕"))
    return groups


async def tap(e2e: E2E, user: int, message: Call, words: str) -> Call:
    """`user` presses the button with `words` on `message`; returns the message edited."""
    mark = await e2e.mark()
    await press(e2e, user, message, user, button(message, words))
    return await e2e.wait_for_call(mark, "editMessageText", user)


@LANGUAGES
async def test_a_co_admin_who_opens_the_bot_sees_the_group(e2e: E2E, language: str) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, language=language)
    title = (await e2e.policy(scene.group)).title

    listing = await in_private(e2e, user, "/groups")

    assert say(language, "groups_header") in listing["params"]["text"]
    assert title in listing["params"]["text"]
    assert groups_in(listing) == [title]


@LANGUAGES
async def test_an_anonymous_administrator_who_opens_the_bot_sees_the_group(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, anonymous=True, language=language)

    listing = await in_private(e2e, user, "/groups")

    assert groups_in(listing) == [(await e2e.policy(scene.group)).title]


@LANGUAGES
async def test_groups_lists_every_group_you_administer(e2e: E2E, language: str) -> None:
    first, second = await e2e.scene(language=language), await e2e.scene(language=language)
    user = await co_admin(e2e, first, language=language)
    await e2e.control.join(second.group, user)
    await e2e.control.promote(second.group, user, actor_id=second.owner)
    await e2e.administers(user, first.group, second.group)
    stranger = int((await e2e.control.create_user("Sam", language_code=language))["id"])

    listing = await in_private(e2e, user, "/groups")
    nothing = await in_private(e2e, stranger, "/groups")

    titles = [(await e2e.policy(s.group)).title for s in (first, second)]
    assert sorted(groups_in(listing)) == sorted(titles)
    assert say(language, "groups_none") in nothing["params"]["text"]


@LANGUAGES
async def test_private_settings_after_picking_the_group_with_back(e2e: E2E, language: str) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, language=language)
    title = (await e2e.policy(scene.group)).title
    back_button = say(language, "button_back")

    chooser = await in_private(e2e, user, "/settings", say(language, "choose_group"))
    settings = await tap(e2e, user, chooser, title)
    menu = await tap(e2e, user, settings, back_button)
    status = await tap(e2e, user, menu, say(language, "button_view_status"))
    back = await tap(e2e, user, status, back_button)

    assert texts(chooser) == [title]
    # The panel itself, as in the group, its buttons naming the group; Back to the menu.
    assert say(language, "settings_panel") in settings["params"]["text"]
    spoken = f"{say(language, 'setting_language')}: {LANGUAGE_NAMES[language]}"
    assert spoken in texts(settings)
    assert all(d.startswith(f"sp:{scene.group}:") for d in datas(settings)[:-1])
    assert texts(settings)[-1] == back_button
    assert title in menu["params"]["text"]
    views = ("status", "settings", "muted", "stats", "check", "unprotect")
    assert texts(menu) == [*(say(language, f"button_view_{v}") for v in views), back_button]
    assert f"@{scene.channel_username}" in status["params"]["text"]
    assert texts(back) == texts(menu)


@LANGUAGES
async def test_status_check_and_stats_in_private_each_come_back(e2e: E2E, language: str) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, language=language)
    title = (await e2e.policy(scene.group)).title
    which = say(language, "choose_group")

    checked = await tap(e2e, user, await in_private(e2e, user, "/check", which), title)
    figures = await tap(e2e, user, await in_private(e2e, user, "/stats", which), title)
    listing = await tap(e2e, user, await in_private(e2e, user, "/muted", which), title)

    assert checked["params"]["text"].startswith(head(language, "check_ok"))
    # /stats leads with the joins GMBot brought, in the plural form of none.
    lead = say_count(language, "stats_lead", 0, day=0)
    assert figures["params"]["text"].splitlines()[1] == lead
    assert title in listing["params"]["text"]
    for view in (checked, figures, listing):
        assert texts(view)[-1] == say(language, "button_back")


@LANGUAGES
async def test_a_co_admin_unprotects_in_private_after_confirming(e2e: E2E, language: str) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, language=language)
    title = (await e2e.policy(scene.group)).title

    chooser = await in_private(e2e, user, "/unprotect", say(language, "choose_group"))
    confirm = await tap(e2e, user, chooser, title)
    still = (await e2e.policy(scene.group)).enabled
    done = await tap(e2e, user, confirm, say(language, "button_unprotect_confirm"))

    assert say(language, "unprotect_confirm", title=title) in confirm["params"]["text"]
    assert still
    assert say(language, "unprotected") in done["params"]["text"]
    assert texts(done) == [say(language, "button_back")]
    assert not (await e2e.policy(scene.group)).enabled


@LANGUAGES
async def test_someone_demoted_can_no_longer_press_the_groups_buttons(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(language=language)
    user = await co_admin(e2e, scene, language=language)
    title = (await e2e.policy(scene.group)).title
    chooser = await in_private(e2e, user, "/status", say(language, "choose_group"))
    await e2e.control.set_member(scene.group, user, "member", actor_id=scene.owner)

    async def demoted() -> bool:
        return scene.group not in await e2e.administered(user)

    await e2e.wait_for(demoted)

    answer = await press(e2e, user, chooser, user, button(chooser, title))

    assert say(language, "press_only_admins") in str(answer)


@LANGUAGES
async def test_rights_lost_alert_reaches_every_admin_who_opened_the_bot(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(language=language)
    title = (await e2e.policy(scene.group)).title
    opened = await co_admin(e2e, scene, language=language)
    silent = await co_admin(e2e, scene, language=language)
    never = int((await e2e.control.create_user("Nadia", language_code=language))["id"])
    await e2e.control.join(scene.group, never)
    await e2e.control.promote(scene.group, never, actor_id=scene.owner)
    listing = await in_private(e2e, silent, "/groups")
    alerts_on = say(language, "button_alerts_on")
    turned = await press(e2e, silent, listing, silent, button(listing, alerts_on))
    await e2e.administers(never, scene.group)
    mark = await e2e.mark()

    await e2e.control.promote(
        scene.group, e2e.bot_id, {"can_delete_messages": True}, actor_id=scene.owner
    )
    stopped = head(language, "bot_lost_rights", title=title)
    for user in (scene.owner, opened):
        await e2e.wait_for_call(mark, "sendMessage", user, text=stopped)
    await e2e.settle()

    told = {
        int(c["params"]["chat_id"])
        for c in await e2e.calls(mark)
        if c["method"] == "sendMessage" and stopped in c["params"]["text"]
    }
    assert told == {scene.owner, opened}
    assert say(language, "alerts_now_off") in str(turned)


@LANGUAGES
async def test_a_channels_problem_reaches_every_admin_who_opened_the_bot(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(language=language)
    opened = await co_admin(e2e, scene, language=language)
    mark = await e2e.mark()

    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)

    for user in (scene.owner, opened):
        lost = await e2e.wait_for_call(mark, "sendMessage", user)
        assert lost["params"]["text"].startswith(f"⚠ @{scene.channel_username}")
