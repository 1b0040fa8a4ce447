"""Owners rehearse before GMBot acts (issue 12): observe mode checks everyone, acts on nobody,
sends its digest, to every administrator who opened GMBot, and punishes nothing later. End to
end through the sandbox."""

from __future__ import annotations

import asyncio
import json
import time

from gmbot.v1 import enforcement_pb2 as enforcement
from tests.support.e2e import DIGEST_SECONDS, E2E
from tests.support.e2e_steps import (
    acts,
    button,
    co_admin,
    command,
    keyboard,
    methods,
    press,
    status_in,
)


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

    assert "would have muted 1 member(s)" in digest["params"]["text"]
    assert button(digest, "Go live")


async def test_a_group_protected_by_start_by_observing_is_left_in_observe_mode(e2e: E2E) -> None:
    owner = int((await e2e.control.create_user("Olive"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Club", creator_id=owner))["id"])
    channel = int((await e2e.control.create_chat("channel", "News", creator_id=owner))["id"])
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, owner, "/protect")
    await e2e.wait_for_call(mark, "sendMessage", owner, text="group")
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 1, group)
    await e2e.wait_for_call(mark, "sendMessage", owner, text="Now pick")
    mark = await e2e.mark()
    await e2e.control.share_chat(e2e.bot_id, owner, 2, channel)
    offer = await e2e.wait_for_call(mark, "sendMessage", owner, text="added")
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, owner, "👀 Start by observing")
    done = await e2e.wait_for_call(mark, "sendMessage", owner, text="Observe mode:")
    listing = await command(e2e, group, owner, "/settings", "Settings")

    offered = [
        b["text"] for row in json.loads(offer["params"]["reply_markup"])["keyboard"] for b in row
    ]
    assert offered[1:3] == ["✅ Protect", "👀 Start by observing"]
    assert "Club" in done["params"]["text"]
    assert "Mode: observe (act on nobody)" in [b["text"] for row in keyboard(listing) for b in row]
