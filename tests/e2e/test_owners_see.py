"""Owners see what GMBot does (issue 12), end to end through the sandbox: /muted by page, /muted
and /stats in private, the week's figures. Each test asserts the Bot API calls it causes, from
the sandbox's journal."""

from __future__ import annotations

import pytest

from gmbot.gateway.texts import say, say_count
from tests.support.e2e import E2E
from tests.support.e2e_steps import (
    acts,
    button,
    buttons_of,
    command,
    data_of,
    in_private,
    keyboard,
    methods,
    muted,
    permissions,
    press,
    status_is,
    tap,
)


async def test_muted_lists_gmbots_mutes_by_page_and_only_admins_unmute_or_exempt(
    e2e: E2E,
) -> None:
    names = [f"m{n}" for n in range(6)]
    scene = await e2e.scene(*((name, False) for name in names), ("eve", True))
    for name in names:
        await muted(e2e, scene, name)
    users = [scene.members[name] for name in names]

    listing = await command(e2e, scene.group, scene.owner, "/muted", "Muted by me")
    text = listing["params"]["text"]
    assert "(1–5 of 6)" in text
    assert all(f"tg://user?id={u}" in text for u in users[:5])
    assert "wrote without following the channels, since" in text
    rows = keyboard(listing)
    assert [[b["text"] for b in row] for row in rows] == [
        *([f"🔓 Unmute {n}", f"⭐ Exempt {n}"] for n in range(1, 6)),
        ["Next ▶"],
    ]

    mark = await e2e.mark()
    eve = scene.members["eve"]
    refused = await press(e2e, scene.group, listing, eve, button(listing, "Unmute 1"))
    assert refused == {
        "text": "Only administrators of this group can do that.",
        "show_alert": True,
        "url": "",
    }
    assert methods(acts(await e2e.calls(mark))) == ["answerCallbackQuery"]

    mark = await e2e.mark()
    await press(e2e, scene.group, listing, scene.owner, button(listing, "Next"))
    page = await e2e.wait_for_call(mark, "editMessageText", scene.group)
    assert "(6–6 of 6)" in page["params"]["text"]
    assert [[b["text"] for b in row] for row in keyboard(page)] == [
        ["🔓 Unmute 6", "⭐ Exempt 6"],
        ["◀ Previous"],
    ]
    assert methods(acts(await e2e.calls(mark))) == ["answerCallbackQuery", "editMessageText"]

    mark = await e2e.mark()
    unmuted = await press(e2e, scene.group, listing, scene.owner, button(page, "Unmute 6"))
    await e2e.wait_for(lambda: status_is(e2e, scene.group, users[5], "member"))
    assert unmuted["text"].startswith("m5 is unmuted")
    mark_exempt = await e2e.mark()
    exempted = await press(e2e, scene.group, listing, scene.owner, button(listing, "Exempt 1"))
    await e2e.wait_for(lambda: status_is(e2e, scene.group, users[0], "member"))
    await e2e.settle()

    assert exempted["text"] == "m0 is exempt now and unmuted."
    assert users[0] in (await e2e.policy(scene.group)).settings.exempt_user_ids
    assert users[5] not in (await e2e.policy(scene.group)).settings.exempt_user_ids
    for since, user in ((mark, users[5]), (mark_exempt, users[0])):
        calls = [c for c in await e2e.calls(since) if c["params"].get("user_id") == str(user)]
        assert methods(calls) == ["getChatMember", "restrictChatMember"]
        assert permissions(calls[1])["can_send_messages"]
    edits = [c for c in await e2e.calls(mark) if c["method"] == "editMessageText"]
    assert "(1–4 of 4)" in edits[-1]["params"]["text"]
    answers = [c for c in await e2e.calls(mark) if c["method"] == "answerCallbackQuery"]
    assert len(answers) == 2


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_muted_and_stats_in_private_for_a_chosen_group(e2e: E2E, language: str) -> None:
    """In English and in Russian, whose plural forms differ for one and for none."""
    scene = await e2e.scene(("carol", False), language=language)
    await muted(e2e, scene, "carol")
    title = (await e2e.policy(scene.group)).title
    which, back = say(language, "choose_group"), say(language, "button_back")
    owner = scene.owner

    chooser = await in_private(e2e, owner, "/muted", which)
    shown = int(chooser["result"]["message_id"])
    listing = await tap(e2e, owner, shown, owner, data_of(chooser, title))
    menu = await tap(e2e, owner, shown, owner, data_of(listing, back))
    mark = await e2e.mark()
    chooser = await in_private(e2e, owner, "/stats", which)
    shown = int(chooser["result"]["message_id"])
    figures = await tap(e2e, owner, shown, owner, data_of(chooser, title))
    again = await tap(e2e, owner, shown, owner, data_of(figures, back))

    assert [b["text"] for b in buttons_of(chooser)] == [title]
    header = say(language, "muted_header", title=title, first=1, last=1, total=1)
    assert header in listing["params"]["text"]
    assert f"tg://user?id={scene.members['carol']}" in listing["params"]["text"]
    assert [b["text"] for b in buttons_of(listing)] == [
        say(language, "button_unmute", n=1),
        say(language, "button_exempt", n=1),
        back,
    ]
    assert str(figures["params"]["text"]).splitlines() == [
        say(language, "stats_title", title=title),
        say_count(language, "stats_lead", 0, day=0),
        # Carol was warned for the channel; nobody joined yet, so no one is still following.
        say_count(
            language,
            "stats_channel",
            1,
            channel=f"@{scene.channel_username}",
            joined=0,
            unmuted=0,
            week="—",
            month="—",
        ),
        say_count(language, "stats_muted_now", 1),
    ]
    assert [b["text"] for b in buttons_of(figures)][-1] == back
    # Back leads to the group's menu from either view.
    for view in (menu, again):
        assert title in view["params"]["text"]
        assert [b["text"] for b in buttons_of(view)][-1] == back
    assert methods(acts(await e2e.calls(mark))) == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "answerCallbackQuery",
        "editMessageText",
    ]


async def test_stats_count_a_day_and_a_week_from_what_the_services_recorded(e2e: E2E) -> None:
    scene = await e2e.scene(("alice", True), ("carol", False), ("dave", False))
    await e2e.control.say(scene.group, scene.members["alice"], "hello")
    await muted(e2e, scene, "carol")
    warning = await muted(e2e, scene, "dave")
    await e2e.control.join(scene.channel, scene.members["carol"])  # released by joining
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["carol"], "member"))
    await e2e.control.join(scene.channel, scene.members["dave"], undelivered=True)
    await press(e2e, scene.group, warning, scene.members["dave"], button(warning, "I have joined"))
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["dave"], "member"))
    await e2e.settle(2.5)  # the gateway tells its counters once a second

    reply = await command(e2e, scene.group, scene.owner, "/stats", "because of me")
    title = (await e2e.policy(scene.group)).title
    assert str(reply["params"]["text"]).splitlines() == [
        f"📊 «{title}»",
        "In the last 7 days, 2 members joined the channels because of me (2 in the last 24 hours).",
        # Both joined the channel by themselves, not through GMBot's link: its funnel ends there.
        f"@{scene.channel_username}: in 7 days 2 members were warned without it → 0 joined"
        " through my buttons → 0 unmuted; still following 7 days after joining: —, 30 days"
        " after: —.",
        "0 members are muted by me now.",
    ]
    mark = await e2e.mark()
    await press(e2e, scene.group, reply, scene.owner, button(reply, "Details"))
    details = await e2e.wait_for_call(mark, "editMessageText", scene.group)

    lines = str(details["params"]["text"]).splitlines()
    assert lines[0] == f"📊 «{title}»: last 24 hours · last 7 days"
    assert "Messages checked: 3 · 3" in lines
    assert "Members warned: 2 · 2" in lines
    assert "Members muted: 2 · 2" in lines
    assert "Joined the channels after a warning: 2 (100 %) · 2 (100 %)" in lines
    assert "Unmuted by «I have joined»: 1 · 1" in lines
    assert "Unmuted by joining the channels: 1 · 1" in lines
    assert "Members removed: 0 · 0" in lines
    assert "0 members are muted by me now." in lines
    # What GMBot spends of the Bot API is in the operators' metrics, not in the owners' figures.
    assert "Bot API" not in details["params"]["text"]
