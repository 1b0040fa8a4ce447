"""The bot's rights in channels and join requesters' own button (issue 12), end to end through
the sandbox: the owner told at once when the bot loses a channel, /check seeing rights come
back, whoever adds the bot hearing how to link it, a requester approved at once."""

from __future__ import annotations

import asyncio

from gmbot.v1 import tenancy_pb2 as tenancy
from tests.support.e2e import E2E
from tests.support.e2e_steps import (
    VERIFY_REPEAT_SECONDS,
    button,
    command,
    keyboard,
    methods,
    press,
    status_in,
)


async def test_the_owner_is_told_at_once_when_the_bot_loses_a_channel_and_nobody_is_muted_for_it(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()

    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)
    lost = await e2e.wait_for_call(mark, "sendMessage", scene.owner, seconds=5)
    status = await command(e2e, scene.group, scene.owner, "/status", "Members must follow")
    blind = await e2e.mark()
    await e2e.control.say(scene.group, carol, "nobody can check me now")
    await e2e.settle(1.5)
    while_blind = await e2e.calls(blind, scene.group)
    mark = await e2e.mark()
    await e2e.control.promote(scene.channel, e2e.bot_id, actor_id=scene.owner)
    back = await e2e.wait_for_call(mark, "sendMessage", scene.owner, seconds=5)
    await e2e.settle()
    await e2e.control.say(scene.group, carol, "and now?")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=str(carol))  # her warning

    name = f"@{scene.channel_username}"
    assert lost["params"]["text"] == (
        f"⚠ {name} (required in «{(await e2e.policy(scene.group)).title}»): I am not in the "
        "channel any more, so I cannot see who follows it. To fix it: add me back to the "
        "channel as an administrator. Until then nobody is muted for not following it."
    )
    assert (
        f"⚠ {name}: I am not in the channel any more, so I cannot see who follows it. To fix "
        "it: add me back to the channel as an administrator." in status["params"]["text"]
    )
    assert while_blind == []
    assert back["params"]["text"].startswith(f"✅ {name} works again")
    # Linked already: nobody is told how to link it.
    assert [c for c in await e2e.calls(mark) if c["method"] == "sendMessage"][:1] == [back]


async def test_check_sees_the_rights_back_when_their_update_never_came(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()
    await e2e.control.set_member(scene.channel, e2e.bot_id, "left", actor_id=scene.owner)
    await e2e.wait_for_call(mark, "sendMessage", scene.owner)
    # Made an administrator again, but Telegram's update of it is lost.
    await e2e.control.set_member(scene.channel, e2e.bot_id, "administrator", undelivered=True)

    checked = await command(e2e, scene.group, scene.owner, "/check", "All good")
    status = await command(e2e, scene.group, scene.owner, "/status", "Members must follow")
    mark = await e2e.mark()
    await e2e.control.say(scene.group, carol, "checked again")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=carol)
    await e2e.wait_for_call(mark, "sendMessage", scene.group, text=str(carol))  # her warning

    assert f"@{scene.channel_username}" in checked["params"]["text"]
    assert "⚠" not in status["params"]["text"]
    channel = (await e2e.policy(scene.group)).channels[0]
    assert channel.bot_rights == tenancy.CHANNEL_RIGHTS_OK


async def test_whoever_adds_the_bot_to_a_channel_hears_how_to_link_it_if_they_started_it(
    e2e: E2E,
) -> None:
    started = int((await e2e.control.create_user("Starter"))["id"])
    mark = await e2e.mark()
    await e2e.control.say_to_bot(e2e.bot_id, started, "/start")
    await e2e.wait_for_call(mark, "sendMessage", started)  # the /start reply
    stranger = int((await e2e.control.create_user("Stranger"))["id"])
    public = await e2e.control.create_chat(
        "channel", "Fresh news", username=f"fresh{started}", creator_id=started
    )
    private = await e2e.control.create_chat("channel", "Secret", creator_id=stranger)
    mark = await e2e.mark()

    await e2e.control.promote(int(public["id"]), e2e.bot_id, actor_id=started)
    await e2e.control.promote(int(private["id"]), e2e.bot_id, actor_id=stranger)
    hint = await e2e.wait_for_call(mark, "sendMessage", started)
    await e2e.wait_for_call(mark, "sendMessage", stranger)

    assert hint["params"]["text"] == (
        f"Thanks for adding me to @fresh{started}! To require it in a group, add me to the "
        "group as an administrator who can delete messages and ban users, then "
        '<a href="https://t.me/gmbot_e2e_bot?start=protect">pick the group and the channel '
        f"here</a>, or send <code>/protect @fresh{started}</code> in the group."
    )
    refused = [c for c in await e2e.calls(mark, stranger) if c["method"] == "sendMessage"]
    assert [(c["ok"], c["error_code"]) for c in refused] == [(False, 403)]
    told = [c for c in await e2e.calls(mark, started) if c["method"] == "sendMessage"]
    assert told == [hint]


# -- Join requests


async def test_a_requester_who_joined_presses_i_have_joined_and_is_approved_at_once(
    e2e: E2E,
) -> None:
    scene = await e2e.scene()
    await command(
        e2e, scene.group, scene.owner, "/settings gate_join_requests on", "Join-request gate is now"
    )
    requester = int((await e2e.control.create_user("Requester"))["id"])
    mark = await e2e.mark()
    await e2e.control.request_join(scene.group, requester)
    notice = await e2e.wait_for_call(mark, "sendMessage", requester)
    rows = keyboard(notice)

    early = await press(e2e, requester, notice, requester, button(notice, "I have joined"))
    # Joined, but Telegram's update of it never reached GMBot: only the button tells. (A press
    # within VERIFY_REPEAT_SECONDS of the last gets the same answer, unchecked: no replays.)
    await e2e.control.join(scene.channel, requester, undelivered=True)
    await asyncio.sleep(VERIFY_REPEAT_SECONDS)
    mark = await e2e.mark()
    approved = await press(e2e, requester, notice, requester, button(notice, "I have joined"))
    await e2e.wait_for_call(mark, "approveChatJoinRequest", scene.group, user_id=requester)

    title = (await e2e.policy(scene.group)).channels[0].title
    ours = {link["link"]: link for link in await e2e.control.invite_links(scene.channel)}
    assert rows[0][0]["text"] == title
    assert ours[rows[0][0]["url"]]["name"] == f"GMBot · {scene.group}"  # counted for the group
    assert rows[1][0]["text"] == "✅ I have joined"
    assert early["show_alert"]
    assert "You still need to join" in early["text"]
    assert approved == {
        "text": "Thank you! Your request to join is approved.",
        "show_alert": False,
        "url": "",
    }
    assert sorted(methods(await e2e.calls(mark))) == [
        "answerCallbackQuery",
        "approveChatJoinRequest",
        "getChatMember",  # the fresh check of the channel
    ]
    assert await status_in(e2e, scene.group, requester) == "member"
