"""Issue 23: a settings panel posted in a group removes itself a while after its last use
(PANEL_TTL_SECONDS, short in this stack); a press renews it, so it goes that long after the
press, not after it was posted."""

from __future__ import annotations

import asyncio

from gmbot.gateway.texts import say
from tests.support.e2e import E2E, PANEL_TTL_SECONDS
from tests.support.e2e_steps import data_of, tap

# Between the panel and the press: what the press adds to the panel's life, shown below.
_BEFORE_THE_PRESS = 3.0


async def test_a_groups_panel_goes_a_while_after_its_last_press(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", True))
    group, owner = scene.group, scene.owner
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", group, text="Settings")
    panel_id = int(shown["result"]["message_id"])

    await asyncio.sleep(_BEFORE_THE_PRESS)
    mark = await e2e.mark()
    choices = await tap(e2e, group, panel_id, owner, data_of(shown, "Mode: enforce"))
    assert data_of(choices, say("en", "button_back"))  # the mode's choices, on the panel
    [pressed] = [c for c in await e2e.calls(mark) if c["method"] == "answerCallbackQuery"]

    deleted = await e2e.wait_for_call(
        mark, "deleteMessage", group, seconds=PANEL_TTL_SECONDS + 30, message_id=str(panel_id)
    )
    assert deleted["ok"]
    assert deleted["time"] - pressed["time"] >= PANEL_TTL_SECONDS
    assert deleted["time"] - shown["time"] >= PANEL_TTL_SECONDS + _BEFORE_THE_PRESS
    [panel] = [m for m in await e2e.control.messages(group) if m["message_id"] == panel_id]
    assert panel["deleted"]  # the sandbox keeps a deleted message, marked


async def test_a_prompt_left_unanswered_and_its_refusal_go_with_the_panel(e2e: E2E) -> None:
    scene = await e2e.scene(language="ru")
    group, owner = scene.group, scene.owner
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", group, text=say("ru", "settings_panel"))
    panel_id = int(shown["result"]["message_id"])
    presets = await tap(e2e, group, panel_id, owner, data_of(shown, "Удалять через: никогда"))
    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, owner, data_of(presets, "✏️ Ввести число"))
    prompt = await e2e.wait_for_call(mark, "sendMessage", group, text="kick_after_minutes")
    prompt_id = int(prompt["result"]["message_id"])
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "много", reply_to_message_id=prompt_id)
    refused = await e2e.wait_for_call(mark, "sendMessage", group, text="kick_after_minutes")
    refused_id = int(refused["result"]["message_id"])

    for gone in (prompt_id, refused_id):
        await e2e.wait_for_call(
            mark, "deleteMessage", group, seconds=PANEL_TTL_SECONDS + 30, message_id=str(gone)
        )
    left = {m["message_id"]: m["deleted"] for m in await e2e.control.messages(group)}
    assert [left[prompt_id], left[refused_id], left[panel_id]] == [True, True, True]
