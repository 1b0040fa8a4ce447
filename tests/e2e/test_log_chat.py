"""A group's log chat (issue 23), end to end through the sandbox: chosen with the chat picker
in private, GMBot's actions posted there with an Undo each, Undo refused to anyone who does not
administer the group and done for those who do (an anonymous one stays unnamed), a raid of
twenty in one or two messages, and a log chat the bot lost cleared with one alert."""

from __future__ import annotations

import json
import re

from tests.support.e2e import E2E, Scene
from tests.support.e2e_steps import Call, buttons_of, co_admin, command, muted, press, status_is

PICK_LOG_CHANNEL, PICK_LOG_GROUP = 3, 4


async def choose_log_chat(e2e: E2E, scene: Scene, chat: int, request_id: int, done: str) -> None:
    """/settings log_chat in the group, then the owner's deep link, the picker and the pick."""
    offer = await command(e2e, scene.group, scene.owner, "/settings log_chat", "logchat")
    payload = re.search(r"start=(logchat-[0-9]+)", offer["params"]["text"])
    assert payload is not None
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, scene.owner, f"/start {payload.group(1)}")
    picker = await e2e.wait_for_call(mark, "sendMessage", scene.owner, text="📋")
    rows = json.loads(picker["params"]["reply_markup"])["keyboard"]
    requests = [b["request_chat"] for row in rows for b in row if "request_chat" in b]
    assert [r["request_id"] for r in requests] == [PICK_LOG_CHANNEL, PICK_LOG_GROUP]
    assert requests[0]["bot_administrator_rights"]["can_post_messages"] is True
    assert requests[1]["bot_is_member"] is True
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, scene.owner, request_id, chat)
    await e2e.wait_for_call(mark, "sendMessage", chat)  # the introduction, posted first
    await e2e.wait_for_call(mark, "sendMessage", scene.owner, text=done)
    assert (await e2e.policy(scene.group)).settings.log_chat_id == chat


async def log_lines(e2e: E2E, since: int, chat: int, count: int) -> list[Call]:
    """The log chat's messages since `since`, once they hold `count` lines (Undo buttons)."""
    found: list[Call] = []

    async def all_there() -> bool:
        found[:] = [c for c in await e2e.calls(since, chat) if c["method"] == "sendMessage"]
        return sum(len(buttons_of(c)) for c in found) >= count

    await e2e.wait_for(all_there, 60)
    return found


async def undone_in_place(e2e: E2E, scene: Scene, log: int, message: Call, undo: str) -> None:
    """The owner undoes Carol's line: it is struck through and says who undid it, the other
    lines and Undos stay, her release is logged too; pressed again, nothing changes."""
    carol = scene.members["carol"]
    mark = await e2e.mark()
    done = await press(e2e, log, message, scene.owner, undo)
    assert done["text"] == "Undone: carol is exempt now and unmuted."
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    redrawn = await e2e.wait_for_call(mark, "editMessageText", log, text="undone by Owner")
    lines = redrawn["params"]["text"].splitlines()
    (carol_line,) = [line for line in lines if f"id={carol}" in line]
    assert re.fullmatch(r"<s>\d+\. 🔇 .*carol</a> muted: .*</s> ↩️ undone by Owner\d+", carol_line)
    before = message["params"]["text"].splitlines()
    assert [ln for ln in lines if f"id={carol}" not in ln] == [
        ln for ln in before if f"id={carol}" not in ln
    ]
    (undone,) = [b["text"] for b in buttons_of(redrawn) if b["text"].endswith("carol")]
    assert undone.startswith("✅ Undone")
    others = [b for b in buttons_of(message) if not b["text"].endswith("carol")]
    assert [b for b in buttons_of(redrawn) if not b["text"].endswith("carol")] == others
    assert carol in (await e2e.policy(scene.group)).settings.exempt_user_ids
    # The release is an action of GMBot's too: logged, with no Undo.
    released = await e2e.wait_for_call(mark, "sendMessage", log, text="unmuted")
    assert "carol</a> unmuted: exempted by an administrator" in released["params"]["text"]
    assert buttons_of(released) == []

    mark = await e2e.mark()
    again = await press(e2e, log, message, scene.owner, undo)
    assert again["text"] == "Already undone: this member is exempt, so nothing changed."
    # (enforcement redraws a line before the press is answered: no redraw came)
    assert [c for c in await e2e.calls(mark, log) if c["method"] == "editMessageText"] == []


async def test_actions_are_logged_in_a_channel_and_only_the_groups_admins_undo_them(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False), ("dave", False))
    log = int((await e2e.control.create_chat("channel", "Group log", creator_id=scene.owner))["id"])
    await choose_log_chat(e2e, scene, log, PICK_LOG_CHANNEL, "Done")
    stranger = int((await e2e.control.create_user("Eve"))["id"])  # reads the channel only
    anonymous = await co_admin(e2e, scene, anonymous=True)
    carol, dave = scene.members["carol"], scene.members["dave"]
    mark = await e2e.mark()

    await muted(e2e, scene, "carol")
    await muted(e2e, scene, "dave")
    messages = await log_lines(e2e, mark, log, 2)

    text = "\n".join(m["params"]["text"] for m in messages)
    assert f'<a href="tg://user?id={carol}">carol</a> muted: does not follow Channel ' in text
    assert all(m["params"].get("disable_notification") in (True, "true", "True") for m in messages)
    undo = {b["text"]: (m, b["callback_data"]) for m in messages for b in buttons_of(m)}
    (carol_message, carol_undo) = next(v for k, v in undo.items() if k.endswith("carol"))
    (dave_message, dave_undo) = next(v for k, v in undo.items() if k.endswith("dave"))

    refused = await press(e2e, log, carol_message, stranger, carol_undo)
    assert refused["text"] == "Only administrators of this group can do that."
    assert await status_is(e2e, scene.group, carol, "restricted")

    await undone_in_place(e2e, scene, log, carol_message, carol_undo)

    mark = await e2e.mark()
    await press(e2e, log, dave_message, anonymous, dave_undo)
    redrawn = await e2e.wait_for_call(mark, "editMessageText", log, text=f"id={dave}")
    (dave_line,) = [ln for ln in redrawn["params"]["text"].splitlines() if f"id={dave}" in ln]
    assert dave_line.endswith("</s> ↩️ undone by an administrator")
    assert "Carla" not in redrawn["params"]["text"]
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=dave)

    # Still an administrator of the channel, no longer allowed to post: the log goes off.
    mark = await e2e.mark()
    await e2e.control.promote(log, e2e.bot_id, {"can_post_messages": False}, actor_id=scene.owner)
    alert = await e2e.wait_for_call(mark, "sendMessage", scene.owner, text="Group log")
    assert alert["params"]["text"].startswith("📋 I can no longer post in «Group log»")
    assert (await e2e.policy(scene.group)).settings.log_chat_id == 0


async def test_a_raid_is_a_few_log_messages_and_a_lost_log_chat_alerts_once(e2e: E2E) -> None:
    raiders = [(f"raider{i}", False) for i in range(20)]
    scene = await e2e.scene(("late", False), *raiders, language="ru")
    log = int((await e2e.control.create_chat("supergroup", "Журнал", creator_id=scene.owner))["id"])
    await e2e.control.join(log, e2e.bot_id)
    await choose_log_chat(e2e, scene, log, PICK_LOG_GROUP, "Готово")
    mark = await e2e.mark()

    await e2e.control.say_many(
        [(scene.group, scene.members[name], f"hi from {name}") for name, _ in raiders]
    )
    messages = await log_lines(e2e, mark, log, 20)

    assert sum(len(buttons_of(m)) for m in messages) == 20
    assert len(messages) <= 2  # one in a quiet run: its lines wait for one another
    headers = [line for m in messages for line in m["params"]["text"].splitlines()[:1]]
    assert all(re.fullmatch(r"📋 «Group \d+»: \d+ действи[еяй] GMBot", h) for h in headers)
    raider = scene.members["raider3"]
    (message,) = [m for m in messages if f"id={raider}" in m["params"]["text"]]
    (undo,) = [b["callback_data"] for b in buttons_of(message) if b["text"].endswith("raider3")]
    mark = await e2e.mark()
    done = await press(e2e, log, message, scene.owner, undo)
    assert done["text"] == "Отменено: raider3 теперь в исключениях, ограничения сняты."
    redrawn = await e2e.wait_for_call(mark, "editMessageText", log, text="отменил")
    (line,) = [ln for ln in redrawn["params"]["text"].splitlines() if f"id={raider}" in ln]
    assert re.fullmatch(r"<s>.*raider3</a>.*</s> ↩️ отменил\(а\): Owner\d+", line)
    assert sum(b["text"].startswith("✅ Отменено") for b in buttons_of(redrawn)) == 1
    released = await e2e.wait_for_call(mark, "sendMessage", log, text="ограничение снято")
    released_line = "raider3</a>: ограничение снято — администратор добавил(а) в исключения"
    assert released_line in released["params"]["text"]

    mark = await e2e.mark()
    await e2e.control.set_member(log, e2e.bot_id, "kicked", actor_id=scene.owner)
    alert = await e2e.wait_for_call(mark, "sendMessage", scene.owner, text="Журнал")
    assert "больше не могу писать" in alert["params"]["text"]

    async def cleared() -> bool:
        return (await e2e.policy(scene.group)).settings.log_chat_id == 0

    await e2e.wait_for(cleared)
    await muted(e2e, scene, "late")
    await e2e.settle(2)
    calls = await e2e.calls(mark)
    assert [c for c in calls if str(c["params"].get("chat_id")) == str(log)] == []
    alerts = [
        c
        for c in calls
        if c["method"] == "sendMessage" and "больше не могу" in c["params"].get("text", "")
    ]
    assert len(alerts) == 1
