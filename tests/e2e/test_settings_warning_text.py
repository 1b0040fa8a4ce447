"""Issue 23: the warning text written from the settings panel, in English and in Russian. A tap
opens it (the built-in text is one choice), "Write a new text" asks in a ForceReply, a reply by
anyone else is ignored, a bad text is refused with what to fix, a good one is previewed as
members read it and used once saved. In a forum topic, the panel, its prompt and the preview
stay in the topic."""

from __future__ import annotations

import json
import uuid

import pytest

from gmbot.gateway.texts import say
from tests.support.e2e import E2E
from tests.support.e2e_steps import Call, buttons_of, data_of, muted, tap

# The forum topic the forum test writes in.
TOPIC = 7


def _replies_to(call: Call) -> int:
    return int(json.loads(str(call["params"].get("reply_parameters", "{}"))).get("message_id", 0))


async def _in_topic(e2e: E2E, group: int, user: int, text: str, reply_has: str) -> Call:
    mark = await e2e.mark()
    await e2e.control.say(group, user, text, thread_id=TOPIC)
    return await e2e.wait_for_call(mark, "sendMessage", group, text=reply_has)


@pytest.mark.parametrize(
    ("language", "button", "write", "bad", "save"),
    [
        ("en", "Warning text: built-in", "✏️ Write a new text", "not a placeholder", "💾 Save"),
        (
            "ru",
            "Текст предупреждения: встроенный",
            "✏️ Написать новый текст",
            "не подстановка",
            "💾 Сохранить",
        ),
    ],
)
async def test_the_warning_text_is_written_previewed_and_saved_from_the_panel(
    e2e: E2E, language: str, button: str, write: str, bad: str, save: str
) -> None:
    scene = await e2e.scene(("carol", False), ("dave", True), language=language)
    group, owner = scene.group, scene.owner
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", group)
    panel_id = int(shown["result"]["message_id"])
    view = await tap(e2e, group, panel_id, owner, data_of(shown, button))
    assert "{user}, {group}, {channels}" in view["params"]["text"]

    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, owner, data_of(view, write))
    prompt = await e2e.wait_for_call(mark, "sendMessage", group, text="warning_text")
    prompt_id = int(prompt["result"]["message_id"])
    assert json.loads(prompt["params"]["reply_markup"])["force_reply"] is True

    # Someone else answering the prompt is not heard.
    stranger = await e2e.control.say(
        group, scene.members["dave"], "{user} rules", reply_to_message_id=prompt_id
    )
    mark = await e2e.mark()
    await e2e.control.say(group, owner, "Hi {name}", reply_to_message_id=prompt_id)
    refused = await e2e.wait_for_call(mark, "sendMessage", group)
    assert bad in refused["params"]["text"]
    mark = await e2e.mark()
    typed = await e2e.control.say(
        group, owner, "{user}: join {channels} <b>", reply_to_message_id=prompt_id
    )
    preview = await e2e.wait_for_call(mark, "sendMessage", group)
    assert _replies_to(preview) == int(typed["message_id"])
    assert "join Channel " in preview["params"]["text"]
    assert (await e2e.policy(group)).settings.warning_text == ""
    # The prompt answered goes, and so does the refusal before the preview.
    tidied = await e2e.wait_for_call(mark, "deleteMessages", group)
    refused_id = int(refused["result"]["message_id"])
    assert sorted(json.loads(tidied["params"]["message_ids"])) == sorted([prompt_id, refused_id])

    saved = await tap(
        e2e, group, int(preview["result"]["message_id"]), owner, data_of(preview, save)
    )

    assert (await e2e.policy(group)).settings.warning_text == "{user}: join {channels} <b>"
    assert any("{user}: join" in b["text"] for b in buttons_of(saved))
    warning = await muted(e2e, scene, "carol")
    assert "join Channel " in warning["params"]["text"]
    # Message ids count per chat: only this group's replies can be to the stranger's message.
    replies = [
        c
        for c in await e2e.calls(0)
        if c["method"] == "sendMessage" and str(c["params"]["chat_id"]) == str(group)
    ]
    assert not [c for c in replies if _replies_to(c) == int(stranger["message_id"])]


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_in_a_forum_topic_the_panel_its_prompt_and_preview_stay_in_the_topic(
    e2e: E2E, language: str
) -> None:
    owner = int((await e2e.control.create_user("Fiona", language_code=language))["id"])
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/start")
    created = await e2e.control.create_chat("supergroup", "Forum", creator_id=owner, is_forum=True)
    group = int(created["id"])
    username = f"topics_{uuid.uuid4().hex[:6]}"
    made = await e2e.control.create_chat("channel", "Topics", username=username, creator_id=owner)
    channel = int(made["id"])
    await e2e.control.promote(group, e2e.bot_id)
    await e2e.control.promote(channel, e2e.bot_id)
    await _in_topic(e2e, group, owner, f"/protect @{username}", username)
    builtin = f"{say(language, 'setting_warning_text')}: {say(language, 'value_builtin')}"

    shown = await _in_topic(e2e, group, owner, "/settings", say(language, "settings_panel"))
    panel_id = int(shown["result"]["message_id"])
    view = await tap(e2e, group, panel_id, owner, data_of(shown, builtin))
    mark = await e2e.mark()
    await e2e.control.press(
        group, panel_id, owner, data_of(view, say(language, "button_write_text"))
    )
    prompt = await e2e.wait_for_call(mark, "sendMessage", group, text="warning_text")
    mark = await e2e.mark()
    await e2e.control.say(
        group,
        owner,
        "Hi {user}",
        thread_id=TOPIC,
        reply_to_message_id=int(prompt["result"]["message_id"]),
    )
    preview = await e2e.wait_for_call(mark, "sendMessage", group)

    assert str(preview["params"]["text"]).startswith(say(language, "warning_text_preview"))
    assert "Hi " in preview["params"]["text"]
    for sent in (shown, prompt, preview):
        assert int(sent["params"]["message_thread_id"]) == TOPIC
