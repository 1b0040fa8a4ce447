"""Issue 24, joins GMBot can count, end to end through the sandbox: GMBot's own link on the
warning's buttons (a public channel's public link until it grants «Invite users via link», with
/status and /check saying so), made again when revoked (the member's own view offers the new one
too), and channels that approve joins (an
approval link, the channel's join request recorded and counted as the group says until it ends
(a requester banned there is pending no more), GMBot's own approvals on a channel
administrator's consent)."""

from __future__ import annotations

import uuid

import pytest

from gmbot.gateway.texts import say
from gmbot.sandbox.client import SandboxError
from tests.support.e2e import E2E, Scene
from tests.support.e2e_steps import button, command, keyboard, muted, press, status_is

NO_INVITE = {"can_post_messages": True, "can_delete_messages": True}


async def _scene_without_invite_links(e2e: E2E, *people: str) -> Scene:
    """A group protected with a public channel where GMBot may not make invite links."""
    owner = int((await e2e.control.create_user("Owner"))["id"])
    group = int((await e2e.control.create_chat("supergroup", "Counted", creator_id=owner))["id"])
    username = f"count_{uuid.uuid4().hex[:8]}"
    channel = int(
        (await e2e.control.create_chat("channel", "News", username=username, creator_id=owner))[
            "id"
        ]
    )
    await e2e.control.promote(group, e2e.bot_id)
    await e2e.control.promote(channel, e2e.bot_id, NO_INVITE)
    scene = Scene(group, channel, username, owner)
    for name in people:
        scene.members[name] = int((await e2e.control.create_user(name))["id"])
        await e2e.control.join(group, scene.members[name])
    await command(e2e, group, owner, f"/protect @{username}", username)
    return scene


def _join_url(warning: dict[str, object]) -> str:
    return keyboard(warning)[0][0]["url"]


async def _links(e2e: E2E, channel: int) -> dict[str, dict[str, object]]:
    return {str(link["link"]): link for link in await e2e.control.invite_links(channel)}


async def test_a_public_channel_keeps_its_public_link_until_it_lets_gmbot_make_one(
    e2e: E2E,
) -> None:
    scene = await _scene_without_invite_links(e2e, "nia", "omar")
    needed = say("en", "attribution_needed", channel=f"@{scene.channel_username}")

    before = await muted(e2e, scene, "nia")
    status = await command(e2e, scene.group, scene.owner, "/status", "@")
    check = await command(e2e, scene.group, scene.owner, "/check")
    await e2e.control.promote(scene.channel, e2e.bot_id)  # now with every right

    async def counted() -> bool:
        policy = await e2e.policy(scene.group)
        return policy.channels[0].bot_rights == 1  # CHANNEL_RIGHTS_OK, from my_chat_member

    await e2e.wait_for(counted)
    after = await muted(e2e, scene, "omar")
    await e2e.control.join(scene.channel, scene.members["omar"], invite_link=_join_url(after))

    assert _join_url(before) == f"https://t.me/{scene.channel_username}"
    assert needed in status["params"]["text"]
    assert needed in check["params"]["text"]
    ours = (await _links(e2e, scene.channel))[_join_url(after)]
    assert ours["name"] == f"GMBot · {scene.group}"
    # The join by GMBot's link lets the member go (flow 5) and is counted for the group.
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["omar"], "member"))
    assert (
        needed
        not in (await command(e2e, scene.group, scene.owner, "/status", "@"))["params"]["text"]
    )


async def test_a_revoked_link_is_made_again_before_the_next_warning_shows_it(e2e: E2E) -> None:
    scene = await e2e.scene(("rex", False), ("sam", False))
    first = await muted(e2e, scene, "rex")
    await e2e.control.revoke_invite_link(scene.channel, _join_url(first))

    second = await muted(e2e, scene, "sam")
    with pytest.raises(SandboxError):
        await e2e.control.join(scene.channel, scene.members["sam"], invite_link=_join_url(first))
    await e2e.control.join(scene.channel, scene.members["sam"], invite_link=_join_url(second))

    links = await _links(e2e, scene.channel)
    assert _join_url(second) != _join_url(first)
    assert links[_join_url(first)]["is_revoked"] is True
    assert links[_join_url(second)]["name"] == f"GMBot · {scene.group}"
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["sam"], "member"))


async def test_a_members_own_view_after_a_revoke_offers_the_link_made_again(e2e: E2E) -> None:
    scene = await e2e.scene(("tia", False))
    tia = scene.members["tia"]
    warning = await muted(e2e, scene, "tia")
    await e2e.control.revoke_invite_link(scene.channel, _join_url(warning))
    mark = await e2e.mark()

    await e2e.control.say_to_bot(e2e.bot_id, tia, "/start mutes")
    view = await e2e.wait_for_call(mark, "sendMessage", tia)

    offered = _join_url(view)
    links = await _links(e2e, scene.channel)
    assert offered != _join_url(warning)
    assert links[offered]["is_revoked"] is False
    assert links[offered]["name"] == f"GMBot · {scene.group}"
    await e2e.control.join(scene.channel, tia, invite_link=offered)
    await e2e.wait_for(lambda: status_is(e2e, scene.group, tia, "member"))


async def test_a_channel_that_approves_joins_gets_requests_never_a_way_past_its_approval(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("ann", False), ("bo", False))
    for setting in ("channels_approve_joins", "pending_request_counts_as_joined"):
        await command(e2e, scene.group, scene.owner, f"/settings {setting} on", "now")

    warning = await muted(e2e, scene, "ann")
    asked = await e2e.control.join(
        scene.channel, scene.members["ann"], invite_link=_join_url(warning)
    )

    links = await _links(e2e, scene.channel)
    assert links[_join_url(warning)]["creates_join_request"] is True
    assert all(  # GMBot's plain link, made by /protect, lets nobody past the approval now
        link["is_revoked"]
        for link in links.values()
        if link["name"] and not link["creates_join_request"]
    )
    assert asked["user_id"] == scene.members["ann"]  # a request, not a join
    # Pending counts as joined in this group: ann may speak while the channel decides.
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["ann"], "member"))
    assert not await status_is(e2e, scene.channel, scene.members["ann"], "member")


async def test_a_requester_banned_from_the_channel_is_pending_there_no_more(e2e: E2E) -> None:
    scene = await e2e.scene(("cy", False))
    await command(e2e, scene.group, scene.owner, "/settings channels_approve_joins on", "now")
    cy = scene.members["cy"]
    warning = await muted(e2e, scene, "cy")
    await e2e.control.join(scene.channel, cy, invite_link=_join_url(warning))

    async def pending() -> bool:
        return await e2e.pending_channels(cy) == [scene.channel]

    async def over() -> bool:
        return await e2e.pending_channels(cy) == []

    await e2e.wait_for(pending)
    # The channel's owner declines the request "and bans" in Telegram's apps: the one decline
    # Telegram tells bots of (a chat_member update, left → kicked).
    await e2e.control.moderate(scene.channel, cy, scene.owner, "ban")

    await e2e.wait_for(over)
    assert await e2e.control.join_requests(scene.channel) == []
    assert await status_is(e2e, scene.channel, cy, "kicked")


async def test_gmbot_approves_requests_only_on_a_channel_administrators_consent(e2e: E2E) -> None:
    scene = await e2e.scene(("bo", False))
    await command(e2e, scene.group, scene.owner, "/settings channels_approve_joins on", "now")
    group_admin = int((await e2e.control.create_user("Gail"))["id"])
    await e2e.control.join(scene.group, group_admin)
    await e2e.control.promote(scene.group, group_admin, actor_id=scene.owner)
    channel = f"@{scene.channel_username}"

    status = await command(e2e, scene.group, scene.owner, "/status", "@")
    give = button(status, say("en", "button_approvals_give", channel=channel))
    refused = await press(e2e, scene.group, status, group_admin, give)
    given = await press(e2e, scene.group, status, scene.owner, give)
    warning = await muted(e2e, scene, "bo")
    mark = await e2e.mark()
    await e2e.control.join(scene.channel, scene.members["bo"], invite_link=_join_url(warning))

    await e2e.wait_for_call(
        mark, "approveChatJoinRequest", scene.channel, user_id=scene.members["bo"]
    )
    assert refused["text"] == say("en", "approvals_only_channel_admins", channel=channel)
    assert given["text"] == say("en", "approvals_given", channel=channel)
    await e2e.wait_for(lambda: status_is(e2e, scene.channel, scene.members["bo"], "member"))
    await e2e.wait_for(lambda: status_is(e2e, scene.group, scene.members["bo"], "member"))
    again = await command(e2e, scene.group, scene.owner, "/status", "@")
    withdraw = button(again, say("en", "button_approvals_withdraw", channel=channel))
    withdrawn = await press(e2e, scene.group, again, scene.owner, withdraw)
    assert withdrawn["text"] == say("en", "approvals_withdrawn", channel=channel)
