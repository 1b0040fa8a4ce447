"""Owners in control (issue 12), end to end through the sandbox: undo what GMBot did, see what it
does, rehearse before it acts, the bot's rights in channels, and join requesters' own button.
Each test asserts the Bot API calls it causes, from the sandbox's journal."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

from gmbot.gateway.settings import GatewaySettings
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.e2e.conftest import DIGEST_SECONDS, E2E, Scene

VERIFY_REPEAT_SECONDS = GatewaySettings.model_fields["verify_repeat_seconds"].default

Call = dict[str, Any]


def methods(calls: list[Call]) -> list[str]:
    return [str(c["method"]) for c in calls]


def acts(calls: list[Call]) -> list[Call]:
    """The calls that act on a chat (reading its administrators does not)."""
    return [c for c in calls if c["method"] != "getChatAdministrators"]


def keyboard(call: Call) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = json.loads(str(call["params"]["reply_markup"]))[
        "inline_keyboard"
    ]
    return rows


def button(call: Call, words: str) -> str:
    """The callback data of the call's first button whose text has `words`."""
    return next(b["callback_data"] for row in keyboard(call) for b in row if words in b["text"])


def permissions(call: Call) -> dict[str, bool]:
    granted: dict[str, bool] = json.loads(str(call["params"]["permissions"]))
    return granted


async def press(e2e: E2E, chat: int, message: Call, user: int, data: str) -> Call:
    """Presses a button of a message the bot sent; returns the bot's answer."""
    query = await e2e.control.press(chat, int(message["result"]["message_id"]), user, data)

    async def answered() -> bool:
        return await e2e.control.callback_answer(query) is not None

    await e2e.wait_for(answered)
    answer = await e2e.control.callback_answer(query)
    assert answer is not None
    return answer


async def command(e2e: E2E, chat: int, user: int, text: str, reply_has: str = "") -> Call:
    mark = await e2e.mark()
    await e2e.control.say(chat, user, text)
    return await e2e.wait_for_call(mark, "sendMessage", chat, text=reply_has)


async def muted(e2e: E2E, scene: Scene, name: str) -> Call:
    """The member writes and is muted; returns the warning."""
    user = scene.members[name]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, user, f"hello from {name}")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=user)
    return await e2e.wait_for_call(mark, "sendMessage", scene.group, text=f"{user}")


async def status_in(e2e: E2E, group: int, user: int) -> str:
    return str((await e2e.control.member(group, user))["status"])


async def planned(e2e: E2E, scene: Scene, user: int) -> list[enforcement.ActionRecord]:
    """GMBot's renewals and scheduled kicks of a member."""
    return [
        a
        for a in await e2e.ledger(scene.group)
        if a.user_id == user
        and a.kind in (enforcement.ACTION_KIND_RENEW_MUTE, enforcement.ACTION_KIND_KICK)
    ]


# -- Undo


async def test_unprotect_lifts_every_mute_and_warning_and_cancels_renewals_and_kicks(
    e2e: E2E,
) -> None:
    """Before: a GMBot mute kept being renewed after /unprotect, and a scheduled kick fired."""
    scene = await e2e.scene(("carol", False), ("dave", False))
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 1", "Kick after is now"
    )
    warnings = [await muted(e2e, scene, name) for name in ("carol", "dave")]
    mark = await e2e.mark()

    await command(e2e, scene.group, scene.owner, "/unprotect", "Protection is off")

    async def all_free() -> bool:
        return all([await _is(e2e, scene.group, u, "member") for u in scene.members.values()])

    await e2e.wait_for(all_free)
    await e2e.settle()

    calls = await e2e.calls(mark, scene.group)
    assert Counter(methods(calls)) == Counter(
        {
            "sendMessage": 1,  # the reply
            "deleteMessage": len(warnings),
            "getChatMember": 2,
            "getChat": 1,  # the group's default permissions
            "restrictChatMember": 2,
        }
    )
    assert {c["params"]["message_id"] for c in calls if c["method"] == "deleteMessage"} == {
        str(w["result"]["message_id"]) for w in warnings
    }
    unmutes = [c for c in calls if c["method"] == "restrictChatMember"]
    assert {c["params"]["user_id"] for c in unmutes} == {str(u) for u in scene.members.values()}
    assert all(permissions(c)["can_send_messages"] for c in unmutes)
    for user in scene.members.values():
        cancelled = await planned(e2e, scene, user)
        assert sorted(a.kind for a in cancelled) == [
            enforcement.ACTION_KIND_KICK,
            enforcement.ACTION_KIND_RENEW_MUTE,
        ]
        assert {(a.state, a.error) for a in cancelled} == {
            (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (unprotected)")
        }
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "free to speak")
    await e2e.settle(1.5)
    assert await e2e.calls(mark, scene.group) == []


async def _is(e2e: E2E, group: int, user: int, status: str) -> bool:
    return await status_in(e2e, group, user) == status


async def test_exempting_a_member_unmutes_them_at_once_and_cancels_what_was_planned(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("vip", False))
    vip = scene.members["vip"]
    await command(
        e2e, scene.group, scene.owner, "/settings kick_after_minutes 5", "Kick after is now"
    )
    warning = await muted(e2e, scene, "vip")
    mark = await e2e.mark()

    await command(
        e2e, scene.group, scene.owner, f"/settings exempt_user_ids {vip}", "Exempt users is now"
    )
    await e2e.wait_for(lambda: _is(e2e, scene.group, vip, "member"))
    await e2e.settle()

    calls = await e2e.calls(mark, scene.group)
    assert sorted(methods(calls)) == sorted(
        [
            "sendMessage",
            "deleteMessage",
            "getChatMember",
            "getChat",
            "restrictChatMember",
        ]
    )
    deleted = next(c for c in calls if c["method"] == "deleteMessage")
    assert deleted["params"]["message_id"] == str(warning["result"]["message_id"])
    assert {(a.state, a.error) for a in await planned(e2e, scene, vip)} == {
        (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (exempted)")
    }


async def test_a_suspended_group_lifts_what_it_can_and_the_rest_once_its_rights_are_back(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.promote(
        scene.group, e2e.bot_id, {"can_delete_messages": True}, actor_id=scene.owner
    )
    stopped = await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    await e2e.wait_for_call(mark, "deleteMessage", scene.group)  # its warning goes
    await e2e.settle()
    while_suspended = await e2e.calls(mark, scene.group)
    still = await status_in(e2e, scene.group, carol)
    mark = await e2e.mark()
    await e2e.control.promote(scene.group, e2e.bot_id, actor_id=scene.owner)
    resumed = await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    await e2e.wait_for(lambda: _is(e2e, scene.group, carol, "member"))

    assert "stopped protecting" in stopped["params"]["text"]
    assert "lift the mutes I imposed" in stopped["params"]["text"]
    # It tried: Telegram refused the unmute without the right to restrict.
    unmute = next(c for c in while_suspended if c["method"] == "restrictChatMember")
    assert not unmute["ok"]
    assert "not enough rights" in unmute["description"]
    assert still == "restricted"
    assert "I protect «Group" in resumed["params"]["text"]
    assert "I lifted the 1 mute(s)" in resumed["params"]["text"]
    lifted = [c for c in await e2e.calls(mark, scene.group) if c["method"] == "restrictChatMember"]
    assert [(c["params"]["user_id"], c["ok"]) for c in lifted] == [(str(carol), True)]


async def test_an_admin_who_unmutes_by_hand_wins_the_member_is_exempt_until_removed(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    warning = await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.set_member(scene.group, carol, "member", actor_id=scene.owner)
    await e2e.wait_for_call(mark, "deleteMessage", scene.group)

    async def exempt() -> bool:
        return carol in (await e2e.policy(scene.group)).settings.exempt_user_ids

    await e2e.wait_for(exempt)
    await e2e.control.say(scene.group, carol, "the admin let me speak")
    await e2e.settle(1.5)
    # GMBot let go (its warning removed, its renewal cancelled) and mutes her no more.
    assert methods(await e2e.calls(mark, scene.group)) == ["deleteMessage", "getChatMember"]
    assert (await e2e.calls(mark, scene.group))[0]["params"]["message_id"] == str(
        warning["result"]["message_id"]
    )
    assert {(a.state, a.error) for a in await planned(e2e, scene, carol)} == {
        (enforcement.ACTION_STATE_SKIPPED, "cancelled: released (lifted_by_admin)")
    }

    status = await command(e2e, scene.group, scene.owner, "/status", "Exempt")
    assert f"tg://user?id={carol}" in status["params"]["text"]
    mark = await e2e.mark()
    answer = await press(e2e, scene.group, status, scene.owner, button(status, str(carol)))
    edited = await e2e.wait_for_call(mark, "editMessageText", scene.group)
    await e2e.control.say(scene.group, carol, "and now?")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)

    assert answer["text"] == f"{carol} is checked again here."
    assert "Exempt" not in edited["params"]["text"]
    assert carol not in (await e2e.policy(scene.group)).settings.exempt_user_ids


# -- See


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
    await e2e.wait_for(lambda: _is(e2e, scene.group, users[5], "member"))
    assert unmuted["text"].startswith("m5 is unmuted")
    mark_exempt = await e2e.mark()
    exempted = await press(e2e, scene.group, listing, scene.owner, button(listing, "Exempt 1"))
    await e2e.wait_for(lambda: _is(e2e, scene.group, users[0], "member"))
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


async def test_muted_and_stats_in_private_for_a_chosen_group(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    await muted(e2e, scene, "carol")
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, scene.owner, "/muted")
    chooser = await e2e.wait_for_call(mark, "sendMessage", scene.owner, text="Which group")
    await press(e2e, scene.owner, chooser, scene.owner, button(chooser, "Group"))
    listing = await e2e.wait_for_call(mark, "editMessageText", scene.owner)
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, scene.owner, "/stats")
    chooser = await e2e.wait_for_call(mark, "sendMessage", scene.owner, text="Which group")
    await press(e2e, scene.owner, chooser, scene.owner, button(chooser, "Group"))
    figures = await e2e.wait_for_call(mark, "editMessageText", scene.owner)

    assert [[b["text"] for b in row] for row in keyboard(chooser)] == [
        [(await e2e.policy(scene.group)).title]
    ]
    assert "(1–1 of 1)" in listing["params"]["text"]
    assert f"tg://user?id={scene.members['carol']}" in listing["params"]["text"]
    assert [b["text"] for b in keyboard(listing)[0]] == ["🔓 Unmute 1", "⭐ Exempt 1"]
    assert "joined the channels because of me" in figures["params"]["text"]
    assert "1 member is muted by me now." in figures["params"]["text"]
    assert methods(acts(await e2e.calls(mark))) == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]


async def test_stats_count_a_day_and_a_week_from_what_the_services_recorded(e2e: E2E) -> None:
    scene = await e2e.scene(("alice", True), ("carol", False), ("dave", False))
    await e2e.control.say(scene.group, scene.members["alice"], "hello")
    await muted(e2e, scene, "carol")
    warning = await muted(e2e, scene, "dave")
    await e2e.control.join(scene.channel, scene.members["carol"])  # released by joining
    await e2e.wait_for(lambda: _is(e2e, scene.group, scene.members["carol"], "member"))
    await e2e.control.join(scene.channel, scene.members["dave"], undelivered=True)
    await press(e2e, scene.group, warning, scene.members["dave"], button(warning, "I have joined"))
    await e2e.wait_for(lambda: _is(e2e, scene.group, scene.members["dave"], "member"))
    await e2e.settle(2.5)  # the gateway tells its counters once a second

    reply = await command(e2e, scene.group, scene.owner, "/stats", "because of me")
    title = (await e2e.policy(scene.group)).title
    assert str(reply["params"]["text"]).splitlines() == [
        f"📊 «{title}»",
        "In the last 7 days, 2 members joined the channels because of me (2 in the last 24 hours).",
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


# -- Rehearse


async def test_observe_mode_checks_everyone_acts_on_nobody_digests_and_punishes_nothing_later(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    changed = await command(e2e, scene.group, scene.owner, "/settings mode observe", "Mode is now")
    listing = await command(e2e, scene.group, scene.owner, "/settings", "Settings")
    newcomer = int((await e2e.control.create_user("Newcomer"))["id"])
    # All of it within one digest period.
    await asyncio.sleep(DIGEST_SECONDS - time.time() % DIGEST_SECONDS + 0.05)
    mark = await e2e.mark()

    for text in ("one", "two"):
        await e2e.control.say(scene.group, carol, text)
    await e2e.control.join(scene.group, newcomer)
    digest = await e2e.wait_for_call(
        mark, "sendMessage", scene.owner, text="Observe mode in", seconds=3 * DIGEST_SECONDS
    )
    await e2e.settle(DIGEST_SECONDS + 1)

    assert changed["params"]["text"] == "Mode is now observe (act on nobody)."
    assert "Mode: observe (act on nobody)" in [b["text"] for row in keyboard(listing) for b in row]
    # Nothing deleted, muted or warned (reading the administrators is not acting).
    assert acts(await e2e.calls(mark, scene.group)) == []
    assert await status_in(e2e, scene.group, carol) == "member"
    assert await status_in(e2e, scene.group, newcomer) == "member"
    text = digest["params"]["text"]
    assert "would have muted 2 member(s), removed 0 and deleted 2 message(s)" in text
    assert "They do not follow: Channel" in text
    digests = [
        c
        for c in await e2e.calls(mark, scene.owner)
        if "Observe mode in" in str(c["params"].get("text"))
    ]
    assert len(digests) == 1
    observed = [
        a for a in await e2e.ledger(scene.group) if a.kind == enforcement.ACTION_KIND_ENFORCE
    ]
    assert {a.state for a in observed} == {enforcement.ACTION_STATE_OBSERVED}
    summary = await command(e2e, scene.group, scene.owner, "/stats", "because of me")
    mark = await e2e.mark()
    await press(e2e, scene.group, summary, scene.owner, button(summary, "Details"))
    stats = await e2e.wait_for_call(mark, "editMessageText", scene.group)
    assert "Observe mode, what I would have done:" in stats["params"]["text"]
    assert "Members muted: 2 · 2" in stats["params"]["text"].split("Observe mode")[1]

    await command(e2e, scene.group, scene.owner, "/settings mode enforce", "Mode is now")
    mark = await e2e.mark()
    await e2e.settle(1.5)
    assert acts(await e2e.calls(mark, scene.group)) == []  # nobody punished for what they did
    await e2e.control.say(scene.group, carol, "after the rehearsal")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    assert methods(acts(await e2e.calls(mark, scene.group)))[:2] == [
        "deleteMessage",
        "restrictChatMember",
    ]


# -- The bot's rights in channels


async def test_the_owner_is_told_at_once_when_the_bot_loses_a_channel_and_nobody_is_muted_for_it(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()

    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)
    lost = await e2e.wait_for_call(mark, "sendMessage", scene.owner, seconds=5)
    status = await command(e2e, scene.group, scene.owner, "/status", "Members must follow")
    blind = await e2e.mark()
    await e2e.control.say(scene.group, carol, "nobody can check me now")
    await e2e.settle(1.5)
    while_blind = await e2e.calls(blind, scene.group)
    mark = await e2e.mark()
    await e2e.control.promote(scene.channel, e2e.bot_id, actor_id=scene.owner)
    back = await e2e.wait_for_call(mark, "sendMessage", scene.owner, seconds=5)
    await e2e.settle()
    await e2e.control.say(scene.group, carol, "and now?")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=str(carol))  # her warning

    name = f"@{scene.channel_username}"
    assert lost["params"]["text"] == (
        f"⚠ {name} (required in «{(await e2e.policy(scene.group)).title}»): I am not in the "
        "channel any more, so I cannot see who follows it. To fix it: add me back to the "
        "channel as an administrator. Until then nobody is muted for not following it."
    )
    assert (
        f"⚠ {name}: I am not in the channel any more, so I cannot see who follows it. To fix "
        "it: add me back to the channel as an administrator." in status["params"]["text"]
    )
    assert while_blind == []
    assert back["params"]["text"].startswith(f"✅ {name} works again")
    # Linked already: nobody is told how to link it.
    assert [c for c in await e2e.calls(mark) if c["method"] == "sendMessage"][:1] == [back]


async def test_check_sees_the_rights_back_when_their_update_never_came(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()
    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)
    await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    # Made an administrator again, but Telegram's update of it is lost.
    await e2e.control.set_member(scene.channel, e2e.bot_id, "administrator", undelivered=True)

    checked = await command(e2e, scene.group, scene.owner, "/check", "All good")
    status = await command(e2e, scene.group, scene.owner, "/status", "Members must follow")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, carol, "checked again")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=str(carol))  # her warning

    assert f"@{scene.channel_username}" in checked["params"]["text"]
    assert "⚠" not in status["params"]["text"]
    channel = (await e2e.policy(scene.group)).channels[0]
    assert channel.bot_rights == tenancy.CHANNEL_RIGHTS_OK


async def test_whoever_adds_the_bot_to_a_channel_hears_how_to_link_it_if_they_started_it(
    e2e: E2E,
) -> None:
    started = int((await e2e.control.create_user("Starter"))["id"])
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, started, "/start")
    await e2e.wait_for_call(mark, "sendMessage", started)  # the /start reply
    stranger = int((await e2e.control.create_user("Stranger"))["id"])
    public = await e2e.control.create_chat(
        "channel", "Fresh news", username=f"fresh{started}", creator_id=started
    )
    private = await e2e.control.create_chat("channel", "Secret", creator_id=stranger)
    mark = await e2e.mark()

    await e2e.control.promote(int(public["id"]), e2e.bot_id, actor_id=started)
    await e2e.control.promote(int(private["id"]), e2e.bot_id, actor_id=stranger)
    hint = await e2e.wait_for_call(mark, "sendMessage", started)
    await e2e.wait_for_call(mark, "sendMessage", stranger)

    assert hint["params"]["text"] == (
        f"Thanks for adding me to @fresh{started}! To require it in a group, add me to the "
        "group as an administrator who can delete messages and ban users, then "
        '<a href="https://t.me/gmbot_e2e_bot?start=protect">pick the group and the channel '
        f"here</a>, or send <code>/protect @fresh{started}</code> in the group."
    )
    refused = [c for c in await e2e.calls(mark, stranger) if c["method"] == "sendMessage"]
    assert [(c["ok"], c["error_code"]) for c in refused] == [(False, 403)]
    told = [c for c in await e2e.calls(mark, started) if c["method"] == "sendMessage"]
    assert told == [hint]


# -- Join requests


async def test_a_requester_who_joined_presses_i_have_joined_and_is_approved_at_once(
    e2e: E2E,
) -> None:
    scene = await e2e.scene()
    await command(
        e2e, scene.group, scene.owner, "/settings gate_join_requests on", "Join-request gate is now"
    )
    requester = int((await e2e.control.create_user("Requester"))["id"])
    mark = await e2e.mark()
    await e2e.control.request_join(scene.group, requester)
    notice = await e2e.wait_for_call(mark, "sendMessage", requester)
    rows = keyboard(notice)

    early = await press(e2e, requester, notice, requester, button(notice, "I have joined"))
    # Joined, but Telegram's update of it never reached GMBot: only the button tells. (A press
    # within VERIFY_REPEAT_SECONDS of the last gets the same answer, unchecked: no replays.)
    await e2e.control.join(scene.channel, requester, undelivered=True)
    await asyncio.sleep(VERIFY_REPEAT_SECONDS)
    mark = await e2e.mark()
    approved = await press(e2e, requester, notice, requester, button(notice, "I have joined"))
    await e2e.wait_for_call(mark, "approveChatJoinRequest", scene.group, user_id=requester)

    title = (await e2e.policy(scene.group)).channels[0].title
    assert rows[0] == [{"text": title, "url": f"https://t.me/{scene.channel_username}"}]
    assert rows[1][0]["text"] == "✅ I have joined"
    assert early["show_alert"]
    assert "You still need to join" in early["text"]
    assert approved == {
        "text": "Thank you! Your request to join is approved.",
        "show_alert": False,
        "url": "",
    }
    assert sorted(methods(await e2e.calls(mark))) == [
        "answerCallbackQuery",
        "approveChatJoinRequest",
        "getChatMember",  # the fresh check of the channel
    ]
    assert await status_in(e2e, scene.group, requester) == "member"
