"""Every flow of DESIGN.md end to end, each asserting the Bot API calls it causes."""

from __future__ import annotations

import json

from gmbot.runtime.callbacks import VerifyButton, sign
from tests.support.e2e import E2E, gateway_metric


def methods(calls: list[dict[str, object]]) -> list[str]:
    return [str(c["method"]) for c in calls]


async def test_a_member_who_follows_every_channel_speaks_freely(e2e: E2E) -> None:
    scene = await e2e.scene(("alice", True))
    mark = await e2e.mark()

    for text in ("hello", "and again"):
        await e2e.control.say(scene.group, scene.members["alice"], text)
    await e2e.settle(1.5)

    # Her channel join was an event membership recorded: not even one getChatMember. (Only this
    # scene's chats: an earlier test's warnings may still be waiting for their group's budget.)
    assert await e2e.calls(mark, scene.group) == []
    assert await e2e.calls(mark, scene.channel) == []


# What deciding about a message could ask a back end. The stack is shared: the scene's own
# set-up (an invite link made after /protect, presence told in a batch, the activity counters
# for /stats) may still land meanwhile on a loaded machine, and is no part of a decision.
_DECIDING = {
    "gmbot.v1.MembershipService": (
        "CheckMembership",
        "CheckMembershipBatch",
        "GetChatAdministrators",
    ),
    "gmbot.v1.EnforcementService": ("Enforce", "Release"),
}


async def _decision_calls(e2e: E2E, service: str) -> float:
    """The gateway's calls to a back end that a message's decision could make."""
    total = 0.0
    for method in _DECIDING[service]:
        total += await gateway_metric(
            e2e, "grpc_client_handled_total", grpc_service=service, grpc_method=method
        )
    return total


async def test_a_known_members_messages_cost_no_round_trip_to_any_back_end(e2e: E2E) -> None:
    """The hot path is local: policy, administrators and the member's answers sit in the
    gateway, kept current by membership's stream of changes."""
    scene = await e2e.scene(("kim", True))
    kim = scene.members["kim"]
    handled = {"type": "message", "outcome": "handled"}
    first = await gateway_metric(e2e, "gmbot_gateway_updates_total", **handled)
    told = {"grpc_method": "RecordPresenceBatch"}
    presence = await gateway_metric(e2e, "grpc_client_handled_total", **told)
    await e2e.control.say(scene.group, kim, "first sight")
    await e2e.wait_for(lambda: _more(e2e, "gmbot_gateway_updates_total", first + 1, **handled))
    # Her presence is told in the next batch (a second later, or more on a loaded machine: a
    # fixed wait let the batch land among the counted calls).
    await e2e.wait_for(lambda: _more(e2e, "grpc_client_handled_total", presence + 1, **told))
    back_ends = {
        service: await _decision_calls(e2e, service)
        for service in ("gmbot.v1.MembershipService", "gmbot.v1.EnforcementService")
    }
    policies = await gateway_metric(e2e, "grpc_client_handled_total", grpc_method="GetGroupPolicy")
    mark = await e2e.mark()

    for n in range(5):
        await e2e.control.say(scene.group, kim, f"message {n}")
    await e2e.wait_for(lambda: _more(e2e, "gmbot_gateway_updates_total", first + 6, **handled))

    for service, before in back_ends.items():
        assert await _decision_calls(e2e, service) == before, service
    # The policy is kept too; its safety TTL may expire once in between.
    assert (
        await gateway_metric(e2e, "grpc_client_handled_total", grpc_method="GetGroupPolicy")
        <= policies + 1
    )
    assert await e2e.calls(mark) == []


async def _more(e2e: E2E, name: str, at_least: float, **labels: str) -> bool:
    return await gateway_metric(e2e, name, **labels) >= at_least


async def test_a_member_missing_a_channel_is_deleted_muted_and_warned(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()

    said = await e2e.control.say(scene.group, carol, "spam")
    warning = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    await e2e.settle()

    assert methods(await e2e.calls(mark)) == [
        "getChatMember",
        "deleteMessage",
        "restrictChatMember",
        "sendMessage",
    ]
    deleted = (await e2e.calls(mark))[1]
    assert deleted["params"]["message_id"] == str(said["message_id"])
    keyboard = json.loads(warning["params"]["reply_markup"])["inline_keyboard"]
    # GMBot's own link for the group, public channel or not: the joins it brings are counted.
    ours = {link["link"]: link for link in await e2e.control.invite_links(scene.channel)}
    assert ours[keyboard[0][0]["url"]]["name"] == f"GMBot · {scene.group}"
    assert (await e2e.control.member(scene.group, carol))["status"] == "restricted"


async def test_admins_anonymous_admins_and_the_linked_channel_are_not_checked(e2e: E2E) -> None:
    scene = await e2e.scene()
    await e2e.control.link(scene.group, scene.channel)
    mark = await e2e.mark()

    await e2e.control.say(scene.group, scene.owner, "from the owner")
    await e2e.control.say_as_group(scene.group, "from an anonymous admin")
    await e2e.control.post_in_channel(scene.channel, "a post, forwarded automatically")
    await e2e.settle(1.5)

    assert [c for c in await e2e.calls(mark) if c["method"] != "getChatAdministrators"] == []


async def test_exempt_users_are_not_checked(e2e: E2E) -> None:
    scene = await e2e.scene(("vip", False))
    vip = scene.members["vip"]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, f"/settings exempt_user_ids {vip}")
    reply = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    assert "Exempt users" in reply["params"]["text"]
    mark = await e2e.mark()

    await e2e.control.say(scene.group, vip, "I am exempt")
    await e2e.settle(1.5)

    assert await e2e.calls(mark) == []


async def test_posting_as_another_channel_is_deleted_and_that_channel_banned(e2e: E2E) -> None:
    scene = await e2e.scene(("mallory", True))
    other = int((await e2e.control.create_chat("channel", "Spam channel"))["id"])
    mark = await e2e.mark()

    await e2e.control.say_as_channel(scene.group, scene.members["mallory"], other, "buy now")
    await e2e.wait_for_call(mark, "banChatSenderChat", scene.group)

    # Telegram is asked first whether it is the group's linked channel (it may speak then).
    assert methods(await e2e.calls(mark)) == ["getChat", "deleteMessage", "banChatSenderChat"]


async def test_a_new_member_is_muted_at_once_and_greeted(e2e: E2E) -> None:
    scene = await e2e.scene()
    newcomer = int((await e2e.control.create_user("Newcomer"))["id"])
    mark = await e2e.mark()

    await e2e.control.join(scene.group, newcomer)
    warning = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    await e2e.settle()

    assert methods(await e2e.calls(mark)) == ["getChatMember", "restrictChatMember", "sendMessage"]
    assert "Newcomer" in warning["params"]["text"]


async def test_leaving_a_channel_mutes_where_the_member_was_seen(e2e: E2E) -> None:
    scene = await e2e.scene(("leaver", True))
    leaver = scene.members["leaver"]
    await e2e.control.say(scene.group, leaver, "I am here")
    mark = await e2e.mark()
    await e2e.settle()

    await e2e.control.leave(scene.channel, leaver)
    await e2e.wait_for_call(mark, "sendMessage", scene.group)

    assert methods(await e2e.calls(mark, scene.group)) == ["restrictChatMember", "sendMessage"]
    assert (await e2e.control.member(scene.group, leaver))["status"] == "restricted"


async def test_joining_the_channels_unmutes_without_a_button(e2e: E2E) -> None:
    scene = await e2e.scene(("late", False))
    late = scene.members["late"]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, late, "hi")
    await e2e.wait_for_call(mark, "sendMessage", scene.group)
    mark = await e2e.mark()

    await e2e.control.join(scene.channel, late)
    await e2e.wait_for(lambda: _member(e2e, scene.group, late))

    await e2e.wait_for_call(mark, "deleteMessage", scene.group)
    # the restriction checked (only GMBot's own is lifted), the group's permissions restored,
    # the warning removed
    assert methods(await e2e.calls(mark, scene.group)) == [
        "deleteMessage",
        "getChatMember",
        "getChat",
        "restrictChatMember",
    ]


async def _member(e2e: E2E, group: int, user: int) -> bool:
    return bool((await e2e.control.member(group, user))["status"] == "member")


async def test_i_have_joined_says_what_is_missing_then_unmutes(e2e: E2E) -> None:
    scene = await e2e.scene(("pat", False))
    pat = scene.members["pat"]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, pat, "hi")
    warning = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    button = json.loads(warning["params"]["reply_markup"])["inline_keyboard"][-1][0][
        "callback_data"
    ]
    message_id = warning["result"]["message_id"]

    too_early = await e2e.control.press(scene.group, message_id, pat, button)
    await e2e.wait_for(lambda: _answered(e2e, too_early))
    early_answer = await e2e.control.callback_answer(too_early)
    await e2e.control.join(scene.channel, pat)
    await e2e.wait_for(lambda: _member(e2e, scene.group, pat))

    assert early_answer is not None
    assert early_answer["show_alert"]
    assert "Channel" in early_answer["text"]


async def _answered(e2e: E2E, query_id: str) -> bool:
    return await e2e.control.callback_answer(query_id) is not None


async def test_only_the_muted_member_may_press_their_button(e2e: E2E) -> None:
    scene = await e2e.scene(("pat", False), ("eve", True))
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["pat"], "hi")
    warning = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    button = json.loads(warning["params"]["reply_markup"])["inline_keyboard"][-1][0][
        "callback_data"
    ]

    query = await e2e.control.press(
        scene.group, warning["result"]["message_id"], scene.members["eve"], button
    )
    await e2e.wait_for(lambda: _answered(e2e, query))

    answer = await e2e.control.callback_answer(query)
    assert answer is not None
    assert "another member" in answer["text"]
    assert (await e2e.control.member(scene.group, scene.members["pat"]))["status"] == "restricted"


async def test_a_forged_button_does_nothing(e2e: E2E) -> None:
    scene = await e2e.scene(("pat", False))
    pat = scene.members["pat"]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, pat, "hi")
    warning = await e2e.wait_for_call(mark, "sendMessage", scene.group)
    forged = sign(b"not the key" * 4, VerifyButton(scene.group, pat))
    mark = await e2e.mark()

    query = await e2e.control.press(scene.group, warning["result"]["message_id"], pat, forged)
    await e2e.wait_for(lambda: _answered(e2e, query))

    assert methods(await e2e.calls(mark)) == ["answerCallbackQuery"]
    assert (await e2e.control.member(scene.group, pat))["status"] == "restricted"


async def test_join_requests_wait_for_the_channels(e2e: E2E) -> None:
    scene = await e2e.scene()
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.owner, "/settings gate_join_requests on")
    await e2e.wait_for_call(mark, "sendMessage", scene.group)
    requester = int((await e2e.control.create_user("Requester"))["id"])
    mark = await e2e.mark()

    await e2e.control.request_join(scene.group, requester)
    notice = await e2e.wait_for_call(mark, "sendMessage", requester)
    await e2e.control.join(scene.channel, requester)
    await e2e.wait_for_call(mark, "approveChatJoinRequest", scene.group)

    # The notice's button is GMBot's own link for the group, so the join is counted.
    link = await e2e.invite_link(scene.channel, scene.group)
    assert link in json.dumps(notice["params"]["reply_markup"])
    assert (await e2e.control.member(scene.group, requester))["status"] == "member"
