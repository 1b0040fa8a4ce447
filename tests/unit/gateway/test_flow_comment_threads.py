"""Issue 21 over fake back ends: a non-follower's comment is answered in its thread, where the
commenter reads, not in the group's main chat."""

from __future__ import annotations

import pytest

from gmbot.gateway.flows.context import GroupMessage
from gmbot.gateway.flows.messages import on_group_message
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import Fakes
from tests.unit.gateway.test_flow_channels import POST, Chats, protected
from tests.unit.gateway.world import GROUP, MALLORY, admins, everyone_is


def _comment(*, thread_root_id: int | None, answers_a_channel_post: bool) -> GroupMessage:
    return GroupMessage(
        update_id=400,
        chat_id=GROUP,
        chat_title="Chat",
        message_id=42,
        sender=MALLORY,
        thread_root_id=thread_root_id,
        answers_a_channel_post=answers_a_channel_post,
    )


async def _warning_of(fakes: Fakes, message: GroupMessage) -> enforcement.WarningSpec:
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, Chats(None), message) == "enforced"

    [enforced] = fakes.enforcement.requests("Enforce")
    assert enforced.message_id == 42
    warning: enforcement.WarningSpec = enforced.warning
    return warning


@pytest.mark.parametrize("answers_the_post", [True, False], ids=["under the post", "a reply"])
async def test_a_non_followers_comment_is_warned_in_its_thread(answers_the_post: bool) -> None:
    """Under the post, or answering another comment there: the warning answers the thread's
    root, so it shows in the comments the commenter reads."""
    fakes = Fakes()
    protected(fakes)

    warning = await _warning_of(
        fakes, _comment(thread_root_id=POST, answers_a_channel_post=answers_the_post)
    )

    assert (warning.reply_to_message_id, warning.message_thread_id) == (POST, 0)


async def test_a_comment_is_warned_in_its_thread_before_the_link_is_known() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=0)

    warning = await _warning_of(fakes, _comment(thread_root_id=POST, answers_a_channel_post=True))

    assert warning.reply_to_message_id == POST


async def test_a_reply_in_a_group_without_a_channel_is_warned_in_the_chat() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=0)

    warning = await _warning_of(fakes, _comment(thread_root_id=7, answers_a_channel_post=False))

    assert (warning.reply_to_message_id, warning.message_thread_id) == (0, 0)
