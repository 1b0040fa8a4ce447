"""Issue 13: settings as buttons, in the group's language. A tap changes nothing until a value
is chosen, kick asks for confirmation once, typed values and numbers, observe mode's digest
going live with one tap."""

from __future__ import annotations

import json

import pytest

from gmbot.gateway.texts import LANGUAGE_NAMES, say
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.support.e2e import DIGEST_SECONDS, E2E, Scene
from tests.support.e2e_steps import Call, buttons_of, data_of, tap


async def _settings_panel(e2e: E2E, scene: Scene) -> tuple[dict[str, dict[str, str]], int]:
    """/settings in the group: the panel's buttons by setting, each showing its default, and the
    panel's message id."""
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", scene.group, text="Settings")
    buttons = {b["callback_data"].split(":")[1]: b for b in buttons_of(shown)}

    assert buttons["action"]["text"] == "Action: mute"
    assert buttons["warning_ttl_seconds"]["text"] == "Warning lifetime: 300 s"
    assert buttons["kick_after_minutes"]["text"] == "Kick after: never"
    assert buttons["on_unknown"]["text"] == "If membership is unknown: let through"
    assert buttons["gate_join_requests"]["text"] == "Join-request gate: off"
    assert buttons["language"]["text"] == "Language: English"
    assert buttons["mode"]["text"] == "Mode: enforce"

    panel = [m for m in await e2e.control.messages(scene.group) if m.get("reply_markup")][-1]
    return buttons, int(panel["message_id"])


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_settings_panels_text_does_not_repeat_its_buttons(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(language=language)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, f"/settings language {language}")
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=LANGUAGE_NAMES[language])
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, "/settings")
    shown = await e2e.wait_for_call(mark, "sendMessage", scene.group)

    text = str(shown["params"]["text"])
    assert text.startswith(say(language, "settings_panel"))
    labels = [b["text"].split(":")[0] for b in buttons_of(shown)]
    lifetime = f"{say(language, 'setting_warning_ttl_seconds')}: 300"
    assert any(b["text"].startswith(lifetime) for b in buttons_of(shown))
    assert [label for label in labels if label in text] == []


async def _mode_there_and_back(e2e: E2E, scene: Scene, panel_id: int, edited: Call) -> Call:
    """Observe mode is a choice away, and so is enforcing again; returns the panel at the end."""
    for now, value in (
        ("enforce", "observe (act on nobody)"),
        ("observe (act on nobody)", "enforce"),
    ):
        modes = await tap(e2e, scene.group, panel_id, scene.owner, data_of(edited, f"Mode: {now}"))
        edited = await tap(e2e, scene.group, panel_id, scene.owner, data_of(modes, value))
        assert f"Mode: {value}" in [b["text"] for b in buttons_of(edited)]
    return edited


async def test_a_settings_tap_changes_nothing_until_a_value_is_chosen(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    buttons, panel_id = await _settings_panel(e2e, scene)
    mark = await e2e.mark()
    query = await e2e.control.press(
        scene.group, panel_id, scene.members["carol"], buttons["action"]["callback_data"]
    )
    await e2e.wait_for_call(mark, "answerCallbackQuery")
    assert "administrators" in str(await e2e.control.callback_answer(query))
    assert not [c for c in await e2e.calls(mark) if c["method"] == "editMessageText"]

    # A tap opens the choices, the current one marked; nothing changes yet.
    actions = await tap(e2e, scene.group, panel_id, scene.owner, buttons["action"]["callback_data"])
    assert [b["text"] for b in buttons_of(actions)] == ["✅ mute", "kick", "delete only", "« Back"]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_MUTE

    # Kick removes people: asked once, applied when confirmed.
    asked = await tap(e2e, scene.group, panel_id, scene.owner, data_of(actions, "kick"))
    assert "removed from the group" in asked["params"]["text"]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_MUTE
    edited = await tap(e2e, scene.group, panel_id, scene.owner, data_of(asked, "Yes, apply"))
    assert "Action: kick" in [b["text"] for b in buttons_of(edited)]
    assert (await e2e.policy(scene.group)).settings.action == tenancy.ENFORCEMENT_ACTION_KICK

    edited = await _mode_there_and_back(e2e, scene, panel_id, edited)

    # Choosing a language walks through no other: the panel turns Russian at once.
    languages = await tap(
        e2e, scene.group, panel_id, scene.owner, data_of(edited, "Language: English")
    )
    edited = await tap(e2e, scene.group, panel_id, scene.owner, data_of(languages, "Русский"))
    assert "Действие: исключить" in str(buttons_of(edited))
    assert (await e2e.policy(scene.group)).settings.language == "ru"

    # A stale choice (drawn at a version before) does not overwrite what changed since.
    mark = await e2e.mark()
    await e2e.control.press(scene.group, panel_id, scene.owner, data_of(actions, "✅ mute"))
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

    kick_after = await tap(
        e2e, scene.group, panel_id, scene.owner, data_of(shown, "Удалять через: никогда")
    )
    asked = await tap(e2e, scene.group, panel_id, scene.owner, data_of(kick_after, "60 мин"))
    assert "будут удалены из группы" in asked["params"]["text"]
    assert (await e2e.policy(scene.group)).settings.kick_after_minutes == 0
    edited = await tap(e2e, scene.group, panel_id, scene.owner, data_of(asked, "Да, применить"))

    assert "Удалять через: 60 мин" in [b["text"] for b in buttons_of(edited)]
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
    [go_live] = buttons_of(digest)

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
    presets = await tap(e2e, group, panel_id, owner, data_of(shown, kick_after))

    mark = await e2e.mark()
    await e2e.control.press(group, panel_id, owner, data_of(presets, type_it))
    prompt = await e2e.wait_for_call(mark, "sendMessage", group, text="kick_after_minutes")
    assert json.loads(prompt["params"]["reply_markup"])["force_reply"] is True
    mark = await e2e.mark()
    await e2e.control.say(
        group, owner, "45", reply_to_message_id=int(prompt["result"]["message_id"])
    )
    asked = await e2e.wait_for_call(mark, "sendMessage", group)
    assert (await e2e.policy(group)).settings.kick_after_minutes == 0
    tidied = await e2e.wait_for_call(mark, "deleteMessages", group)
    assert json.loads(tidied["params"]["message_ids"]) == [int(prompt["result"]["message_id"])]

    confirmed = await tap(
        e2e, group, int(asked["result"]["message_id"]), owner, data_of(asked, apply)
    )

    assert now in [b["text"] for b in buttons_of(confirmed)]
    assert (await e2e.policy(group)).settings.kick_after_minutes == 45
