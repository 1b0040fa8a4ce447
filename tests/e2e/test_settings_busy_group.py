"""Issue 23: in a busy group /settings goes to the administrator in private, where the panel
works as in the group (choices, a number typed in reply to a ForceReply); a co-admin GMBot
cannot write to yet is told so in the group, with the panel there; an anonymous administrator
gets the panel in the group. In English and in Russian."""

from __future__ import annotations

import json

import pytest

from gmbot.gateway.stores.pace import BUSY_MESSAGES
from gmbot.gateway.texts import say
from tests.support.e2e import E2E, Scene, gateway_metric
from tests.support.e2e_steps import buttons_of, data_of, tap

ALLOWED = {"flow": "message", "outcome": "allowed"}


async def _busy(e2e: E2E, scene: Scene) -> None:
    """A subscribed member chats: the group has had BUSY_MESSAGES messages this minute."""
    before = await gateway_metric(e2e, "gmbot_gateway_decisions_total", **ALLOWED)
    dave = scene.members["dave"]
    await e2e.control.say_many([(scene.group, dave, f"chat {n}") for n in range(BUSY_MESSAGES)])

    async def judged() -> bool:
        now = await gateway_metric(e2e, "gmbot_gateway_decisions_total", **ALLOWED)
        return now >= before + BUSY_MESSAGES

    await e2e.wait_for(judged)


def _button(language: str, name: str, value: str) -> str:
    return f"{say(language, f'setting_{name}')}: {say(language, f'value_{value}')}"


async def _answered_in_private(e2e: E2E, user: int, prompt_id: int, text: str) -> None:
    """`user` answers the prompt with `text`: GMBot answers, and the prompt goes (the answer,
    to be read, stays)."""
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, user, text, reply_to_message_id=prompt_id)
    await e2e.wait_for_call(mark, "sendMessage", user)
    tidied = await e2e.wait_for_call(mark, "deleteMessages", user)
    assert json.loads(tidied["params"]["message_ids"]) == [prompt_id]


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_busy_groups_settings_go_to_the_administrator_in_private(
    e2e: E2E, language: str
) -> None:
    scene = await e2e.scene(("dave", True), language=language)
    group, owner = scene.group, scene.owner
    nina = int((await e2e.control.create_user("Nina"))["id"])  # never opened GMBot
    await e2e.control.join(group, nina)
    await e2e.control.promote(group, nina, actor_id=owner)
    await _busy(e2e, scene)

    mark = await e2e.mark()
    await e2e.control.say(group, owner, "/settings")
    await e2e.wait_for_call(mark, "sendMessage", group, text=say(language, "settings_sent_private"))
    private = await e2e.wait_for_call(mark, "sendMessage", owner)
    panel_id = int(private["result"]["message_id"])
    assert all(b["callback_data"].startswith(f"sp:{group}:") for b in buttons_of(private)[:-1])

    actions = await tap(
        e2e, owner, panel_id, owner, data_of(private, _button(language, "action", "mute"))
    )
    chosen = await tap(
        e2e, owner, panel_id, owner, data_of(actions, say(language, "value_delete_only"))
    )
    assert _button(language, "action", "delete_only") in [b["text"] for b in buttons_of(chosen)]
    assert (await e2e.policy(group)).settings.action == 3  # ENFORCEMENT_ACTION_DELETE_ONLY

    lifetime = next(
        b
        for b in buttons_of(chosen)
        if b["text"].startswith(say(language, "setting_warning_ttl_seconds"))
    )
    presets = await tap(e2e, owner, panel_id, owner, lifetime["callback_data"])
    mark = await e2e.mark()
    await e2e.control.press(
        owner, panel_id, owner, data_of(presets, say(language, "button_type_number"))
    )
    prompt = await e2e.wait_for_call(mark, "sendMessage", owner, text="warning_ttl_seconds")
    assert json.loads(prompt["params"]["reply_markup"])["force_reply"] is True
    await _answered_in_private(e2e, owner, int(prompt["result"]["message_id"]), "45")
    assert (await e2e.policy(group)).settings.warning_ttl_seconds == 45

    # A co-admin GMBot cannot write to is told how, and gets the panel in the group.
    mark = await e2e.mark()
    await e2e.control.say(group, nina, "/settings")
    told = await e2e.wait_for_call(mark, "sendMessage", group, text="@gmbot_e2e_bot")
    assert buttons_of(told)[0]["callback_data"].startswith("set:")
    assert buttons_of(told)[-1]["url"].endswith("gmbot_e2e_bot")

    # An anonymous administrator cannot be written to: the panel in the group.
    mark = await e2e.mark()
    await e2e.control.say_as_group(group, "/settings")
    shown = await e2e.wait_for_call(
        mark, "sendMessage", group, text=say(language, "settings_panel")
    )
    assert buttons_of(shown)[0]["callback_data"].startswith("set:")
