"""Owners rehearse before GMBot acts (issue 12): observe mode checks everyone, acts on nobody,
sends its digest, to every administrator who opened GMBot, and punishes nothing later. End to
end through the sandbox."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.support.e2e import DIGEST_SECONDS, E2E
from tests.support.e2e_steps import (
    Call,
    acts,
    button,
    co_admin,
    command,
    keyboard,
    methods,
    press,
    status_in,
)


async def _on_members(e2e: E2E, since: int, group: int, panel: int) -> list[Call]:
    """GMBot's acts in the group since `since` but the removal of the settings panel `panel`,
    which goes by itself (PANEL_TTL_SECONDS) and may fall in the window."""
    calls = acts(await e2e.calls(since, group))
    return [c for c in calls if str(c["params"].get("message_id")) != str(panel)]


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
    assert "• muted 2 members\n• removed 0 members from the group\n• deleted 2 messages" in text
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
    panel = int(listing["result"]["message_id"])
    assert await _on_members(e2e, mark, scene.group, panel) == []  # nobody punished for then
    await e2e.control.say(scene.group, carol, "after the rehearsal")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    assert methods(await _on_members(e2e, mark, scene.group, panel))[:2] == [
        "deleteMessage",
        "restrictChatMember",
    ]


async def test_a_co_admin_who_opened_the_bot_gets_the_digest_with_its_go_live_button(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carla = await co_admin(e2e, scene)
    await command(e2e, scene.group, scene.owner, "/settings mode observe", "Mode is now")
    await asyncio.sleep(DIGEST_SECONDS - time.time() % DIGEST_SECONDS + 0.05)
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.members["carol"], "one")
    digest = await e2e.wait_for_call(
        mark, "sendMessage", carla, text="Observe mode in", seconds=3 * DIGEST_SECONDS
    )
    await e2e.wait_for_call(
        mark, "sendMessage", scene.owner, text="Observe mode in", seconds=DIGEST_SECONDS
    )

    assert "• muted 1 member\n" in digest["params"]["text"]
    assert button(digest, "Go live")


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_group_protected_by_start_by_observing_is_left_in_observe_mode(
    e2e: E2E, language: str
) -> None:
    owner = int((await e2e.control.create_user("Olive", language_code=language))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Club", creator_id=owner))["id"])
    channel = int((await e2e.control.create_chat("channel", "News", creator_id=owner))["id"])
    observe = say(language, "pick_observe_button")
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/protect")
    await e2e.wait_for_call(mark, "sendMessage", owner, text=say(language, "pick_group"))
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 1, group)
    await e2e.wait_for_call(mark, "sendMessage", owner, text=say(language, "pick_channel"))
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 2, channel)
    # What follows the channel's name in the offer to protect.
    added = say(language, "picked_channel", channel="", done=say(language, "pick_done_button"))
    offer = await e2e.wait_for_call(mark, "sendMessage", owner, text=added)
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, observe)
    done = await e2e.wait_for_call(
        mark, "sendMessage", owner, text=say(language, "protected_observing")
    )
    listing = await command(e2e, group, owner, "/settings", say(language, "settings_panel"))

    offered = [
        b["text"] for row in json.loads(offer["params"]["reply_markup"])["keyboard"] for b in row
    ]
    assert offered[1:3] == [say(language, "pick_done_button"), observe]
    assert "Club" in done["params"]["text"]
    assert (await e2e.policy(group)).settings.mode == tenancy.GROUP_MODE_OBSERVE
    mode = f"{say(language, 'setting_mode')}: {say(language, 'value_observe')}"
    assert mode in [b["text"] for row in keyboard(listing) for b in row]


async def test_each_administrator_reads_the_digest_in_their_own_language(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))  # an English group
    rita = int((await e2e.control.create_user("Rita", language_code="ru"))["id"])
    await e2e.control.join(scene.group, rita)
    await e2e.control.promote(scene.group, rita, actor_id=scene.owner)
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, rita, "/start")  # her language is recorded
    await e2e.wait_for_call(mark, "sendMessage", rita)
    await command(e2e, scene.group, scene.owner, "/settings mode observe", "Mode is now")
    await asyncio.sleep(DIGEST_SECONDS - time.time() % DIGEST_SECONDS + 0.05)
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.members["carol"], "one")

    russian = await e2e.wait_for_call(
        mark, "sendMessage", rita, text="Режим наблюдения", seconds=3 * DIGEST_SECONDS
    )
    english = await e2e.wait_for_call(
        mark, "sendMessage", scene.owner, text="Observe mode in", seconds=DIGEST_SECONDS
    )
    assert button(russian, "Включить защиту")
    assert "• был бы ограничен 1 участник\n" in russian["params"]["text"]
    assert button(english, "Go live")
