"""Issue 23: the exempt list edited from the settings panel, in English and in Russian. /exempt
in reply to a member's message exempts them; an @username GMBot has not seen is explained; in
private, the panel lists the exempted by name, Add picks people with Telegram's people picker
(users_shared) and lets go of a muted one at once, and a tap takes one off the list."""

from __future__ import annotations

import json

import pytest

from gmbot.gateway.texts import say
from tests.support.e2e import E2E
from tests.support.e2e_steps import button, buttons_of, muted, press, tap


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_exempt_list_is_edited_by_reply_by_picker_and_by_name(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(("carol", False), ("dave", True), language=language)
    group, owner = scene.group, scene.owner
    carol, dave = scene.members["carol"], scene.members["dave"]
    await muted(e2e, scene, "carol")
    said = await e2e.control.say(group, dave, "hello")

    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/exempt", reply_to_message_id=int(said["message_id"]))
    await e2e.wait_for_call(mark, "sendMessage", group, text="dave")
    assert list((await e2e.policy(group)).settings.exempt_user_ids) == [dave]
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/exempt @nobody_seen_here")
    unknown = await e2e.wait_for_call(mark, "sendMessage", group, text="@nobody_seen_here")
    assert "username" in unknown["params"]["text"]

    # In private: the group's menu, Settings, the exempt list by name.
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/settings")
    choose = await e2e.wait_for_call(mark, "sendMessage", owner)
    mark = await e2e.mark()
    await press(e2e, owner, choose, owner, buttons_of(choose)[0]["callback_data"])
    panel = await e2e.wait_for_call(mark, "editMessageText", owner)
    panel_id = int(choose["result"]["message_id"])
    exempt = f"{say(language, 'setting_exempt_user_ids')}: 1"
    listed = await tap(e2e, owner, panel_id, owner, button(panel, exempt))
    assert next(b["text"] for b in buttons_of(listed)) == "✖ dave"

    mark = await e2e.mark()
    await e2e.control.press(
        owner, panel_id, owner, button(listed, say(language, "button_exempt_add"))
    )
    picker = await e2e.wait_for_call(mark, "sendMessage", owner)
    [[people]] = json.loads(picker["params"]["reply_markup"])["keyboard"]
    assert people["request_users"]["user_is_bot"] is False
    mark = await e2e.mark()
    await e2e.control.share_users(e2e.bot_id, owner, 23, [carol])
    await e2e.wait_for_call(mark, "sendMessage", owner, text="carol")
    # The picker's message goes once used; the answer saying who was exempted stays.
    tidied = await e2e.wait_for_call(mark, "deleteMessages", owner)
    assert json.loads(tidied["params"]["message_ids"]) == [int(picker["result"]["message_id"])]
    await e2e.wait_for_call(mark, "restrictChatMember", group, user_id=carol)  # let go of
    assert sorted((await e2e.policy(group)).settings.exempt_user_ids) == sorted([dave, carol])

    again = await tap(e2e, owner, panel_id, owner, button(listed, "✖ dave"))
    assert next(b["text"] for b in buttons_of(again)) == "✖ carol"
    assert list((await e2e.policy(group)).settings.exempt_user_ids) == [carol]
