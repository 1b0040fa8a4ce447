"""Issue 21 end to end, through the sandbox's discussion groups: the group's own channels may
speak, other channels are still a way around, the linked channel is kept current, and a
non-follower's comment is warned in its thread."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.support.e2e import E2E, Scene

PUNISHING = frozenset(
    {"deleteMessage", "deleteMessages", "banChatSenderChat", "restrictChatMember"}
)


@dataclass
class Discussion:
    """A protected group that holds the comments of a channel it does not require."""

    scene: Scene
    blog: int


async def _blog(e2e: E2E, scene: Scene, name: str) -> int:
    blog = int((await e2e.control.create_chat("channel", name, creator_id=scene.owner))["id"])
    await e2e.control.promote(blog, e2e.bot_id)
    return blog


async def _discussion(e2e: E2E, *people: tuple[str, bool]) -> Discussion:
    """The group linked to its blog in Telegram, then protected again: /protect reads the link."""
    scene = await e2e.scene(*people)
    blog = await _blog(e2e, scene, "Blog")
    await e2e.control.link(scene.group, blog)
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, f"/protect @{scene.channel_username}")
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=scene.channel_username)
    assert (await e2e.policy(scene.group)).linked_chat_id == blog
    return Discussion(scene, blog)


async def _post(e2e: E2E, channel: int, text: str) -> int:
    """A channel post; returns its automatic forward's id in the discussion group."""
    posted = await e2e.control.post_in_channel(channel, text)
    return int(posted["automatic_forward"]["message_id"])


async def _punishing(e2e: E2E, mark: int, group: int) -> list[str]:
    return [str(c["method"]) for c in await e2e.calls(mark, group) if c["method"] in PUNISHING]


async def test_a_comment_as_the_linked_channel_is_not_deleted_nor_banned(e2e: E2E) -> None:
    talk = await _discussion(e2e)
    root = await _post(e2e, talk.blog, "our news")
    mark = await e2e.mark()

    said = await e2e.control.say_as_channel(
        talk.scene.group, talk.scene.owner, talk.blog, "thanks all", reply_to_message_id=root
    )
    await e2e.settle(1.5)

    assert said["from"]["id"] == 136817688  # @Channel_Bot: Telegram hides who it was
    assert await e2e.calls(mark, talk.scene.group) == []


async def test_a_post_as_a_required_channel_may_speak(e2e: E2E) -> None:
    scene = await e2e.scene()
    mark = await e2e.mark()

    await e2e.control.say_as_channel(scene.group, scene.owner, scene.channel, "as the channel")
    await e2e.settle(1.5)

    assert await e2e.calls(mark, scene.group) == []


async def test_a_post_as_another_channel_is_still_a_way_around(e2e: E2E) -> None:
    talk = await _discussion(e2e, ("mallory", True))
    root = await _post(e2e, talk.blog, "our news")
    other = int((await e2e.control.create_chat("channel", "Spam channel"))["id"])
    mark = await e2e.mark()

    await e2e.control.say_as_channel(
        talk.scene.group, talk.scene.members["mallory"], other, "buy now", reply_to_message_id=root
    )
    ban = await e2e.wait_for_call(mark, "banChatSenderChat", talk.scene.group)

    assert ban["params"]["sender_chat_id"] == str(other)
    assert await _punishing(e2e, mark, talk.scene.group) == ["deleteMessage", "banChatSenderChat"]


async def test_a_changed_linked_channel_is_learned(e2e: E2E) -> None:
    """The owner links the group to another channel in Telegram: its next post tells GMBot, and
    a comment as it before any post is checked with Telegram rather than punished."""
    talk = await _discussion(e2e)
    newer = await _blog(e2e, talk.scene, "New blog")
    await e2e.control.link(talk.scene.group, newer)
    mark = await e2e.mark()

    await e2e.control.say_as_channel(talk.scene.group, talk.scene.owner, newer, "hello, new home")
    await e2e.wait_for_call(mark, "getChat", talk.scene.group)
    await e2e.settle(1.5)

    assert await _punishing(e2e, mark, talk.scene.group) == []
    assert (await e2e.policy(talk.scene.group)).linked_chat_id == newer

    await e2e.control.link(talk.scene.group, talk.blog)
    mark = await e2e.mark()
    await _post(e2e, talk.blog, "we are back")

    async def learned() -> bool:
        return (await e2e.policy(talk.scene.group)).linked_chat_id == talk.blog

    await e2e.wait_for(learned)
    await e2e.control.say_as_channel(talk.scene.group, talk.scene.owner, talk.blog, "thanks")
    await e2e.settle(1.5)
    assert await e2e.calls(mark, talk.scene.group) == []


async def test_a_non_followers_comment_is_warned_in_its_thread(e2e: E2E) -> None:
    talk = await _discussion(e2e, ("carol", False))
    carol = talk.scene.members["carol"]
    root = await _post(e2e, talk.blog, "our news")
    mark = await e2e.mark()

    comment = await e2e.control.say(talk.scene.group, carol, "first!", reply_to_message_id=root)
    warning = await e2e.wait_for_call(mark, "sendMessage", talk.scene.group, text=str(carol))

    assert comment["message_thread_id"] == root
    assert "is_topic_message" not in comment
    assert json.loads(warning["params"]["reply_parameters"]) == {
        "message_id": root,
        "allow_sending_without_reply": True,
    }
    assert "message_thread_id" not in warning["params"]
    assert warning["result"]["message_thread_id"] == root  # among the post's comments
    assert await _punishing(e2e, mark, talk.scene.group) == ["deleteMessage", "restrictChatMember"]


async def test_status_says_which_channels_may_speak(e2e: E2E) -> None:
    talk = await _discussion(e2e)
    mark = await e2e.mark()

    await e2e.control.say(talk.scene.group, talk.scene.owner, "/status")
    status = await e2e.wait_for_call(mark, "sendMessage", talk.scene.group, text="Never checked")

    text = status["params"]["text"]
    assert f"@{talk.scene.channel_username}" in text
    assert "holds the comments of a channel it does not require" in text
