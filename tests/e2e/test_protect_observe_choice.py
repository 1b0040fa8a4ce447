"""Issue 23: the group's own /protect offers observing first, as the private set-up does; one
tap by an administrator (nobody else) makes the group observe. In English and in Russian."""

from __future__ import annotations

import pytest

from gmbot.gateway.texts import say
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.support.e2e import E2E
from tests.support.e2e_steps import buttons_of, tap


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_protect_in_the_group_offers_to_observe_first(e2e: E2E, language: str) -> None:
    scene = await e2e.scene(("carol", False), language=language)
    answer = [m for m in await e2e.control.messages(scene.group) if m.get("reply_markup")][-1]
    assert f"@{scene.channel_username}" in answer["text"]
    [[observe]] = answer["reply_markup"]["inline_keyboard"]
    assert observe["text"] == say(language, "pick_observe_button")

    mark = await e2e.mark()
    query = await e2e.control.press(
        scene.group, answer["message_id"], scene.members["carol"], observe["callback_data"]
    )
    await e2e.wait_for_call(mark, "answerCallbackQuery")
    # Told in her own language (the answer is hers alone): Carol's Telegram speaks English.
    assert say("en", "only_admins") in str(await e2e.control.callback_answer(query))
    assert (await e2e.policy(scene.group)).settings.mode == tenancy.GROUP_MODE_ENFORCE

    panel = await tap(e2e, scene.group, answer["message_id"], scene.owner, observe["callback_data"])

    assert (await e2e.policy(scene.group)).settings.mode == tenancy.GROUP_MODE_OBSERVE
    observing = say(language, "value_observe")
    assert any(observing in b["text"] for b in buttons_of(panel))
