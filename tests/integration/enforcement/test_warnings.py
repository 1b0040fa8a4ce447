"""Warnings: one per member, coalesced in a raid, edited while live, placed in the forum topic or
the comment thread they were asked for, in the group's language."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import pytest

from tests.integration.enforcement.calls import done, enforce
from tests.support.enforcement import Group, warning

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


# The raid's five mutes go first, then their warnings: on a loaded machine (CI's two cores, the
# containers built beside the tests) they reach the window over more than the 0.2 s the other
# tests use; a window of 3 s still shows them coalesced into one message.
@pytest.mark.parametrize("enforcement", [{"warning_coalesce_seconds": 3.0}], indirect=True)
async def test_warnings_of_a_raid_are_coalesced_and_a_live_warning_is_edited(
    world: Group, enforcement: Stub
) -> None:
    users = [await world.member(f"Raider{i}") for i in range(5)]

    accepted = await asyncio.gather(
        *(
            enforce(
                enforcement, world, u, f"raid:{u}", warning=warning(user_display_name=f"Raider{i}")
            )
            for i, u in enumerate(users)
        )
    )
    for response in accepted:
        await done(enforcement, world, response.action_id)
    again = await enforce(enforcement, world, users[0], "raid:again")
    await done(enforcement, world, again.action_id)

    (sent,) = await world.calls("sendMessage")
    assert all(f"Raider{i}" in sent["params"]["text"] for i in range(5))
    assert len(json.loads(sent["params"]["reply_markup"])["inline_keyboard"]) == 1 + 5
    # One mute per member: the raider already muted is not muted (nor warned) again.
    assert len(await world.calls("restrictChatMember")) == 5


async def test_a_warning_goes_into_the_forum_topic_in_the_groups_language(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Борис")

    response = await enforce(
        enforcement,
        world,
        user,
        "topic",
        warning=warning(language="ru", message_thread_id=7, user_display_name="Борис"),
    )
    await done(enforcement, world, response.action_id)

    (sent,) = await world.calls("sendMessage")
    assert sent["params"]["message_thread_id"] == "7"
    assert "подпишитесь" in sent["params"]["text"]


async def test_a_warning_answers_the_comment_thread_it_was_asked_for(
    world: Group, enforcement: Stub
) -> None:
    """Outside forums a bot's message joins a comment thread by replying to its root."""
    user = await world.member("Carol")
    root = await world.said(await world.member("Poster"), "a channel post")

    response = await enforce(
        enforcement, world, user, "comment", warning=warning(reply_to_message_id=root)
    )
    await done(enforcement, world, response.action_id)

    (sent,) = await world.calls("sendMessage")
    assert json.loads(sent["params"]["reply_parameters"]) == {
        "message_id": root,
        "allow_sending_without_reply": True,
    }
    assert "message_thread_id" not in sent["params"]
    assert sent["result"]["reply_to_message"]["message_id"] == root


async def test_comments_under_two_posts_are_warned_under_each_not_in_one_message(
    world: Group, enforcement: Stub
) -> None:
    poster = await world.member("Poster")
    roots = [await world.said(poster, "post one"), await world.said(poster, "post two")]
    users = [await world.member(f"Commenter{i}") for i in range(2)]

    accepted = await asyncio.gather(
        *(
            enforce(enforcement, world, u, f"c:{u}", warning=warning(reply_to_message_id=root))
            for u, root in zip(users, roots, strict=True)
        )
    )
    for response in accepted:
        await done(enforcement, world, response.action_id)

    sent = await world.calls("sendMessage")
    assert sorted(json.loads(s["params"]["reply_parameters"])["message_id"] for s in sent) == roots
