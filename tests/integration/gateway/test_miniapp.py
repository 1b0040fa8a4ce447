"""The owners' Mini App against the real gateway, back ends and the sandbox: only Telegram's
launch data for this bot, recent, of an administrator of the group, reads or changes anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.gateway.dashboard import Dashboard, protected
from tests.support.gateway import World
from tests.support.waiting import eventually


async def _status_becomes(world: World, expected: str) -> None:
    """Enforcement carries an accepted release out a moment later."""

    async def became() -> bool:
        member = await world.sandbox.control.member(world.group, world.member)
        return bool(member["status"] == expected)

    await eventually(became, what=f"the member becoming {expected}")


async def _recent_mute(dashboard: Dashboard, init_data: str, group: int) -> dict[str, Any]:
    """The mute in the recent actions, once enforcement carried it out."""
    found: list[dict[str, Any]] = []

    async def shown() -> bool:
        _, board = await dashboard.call(init_data, f"/api/groups/{group}")
        found[:] = [a for a in board["actions"] if a["kind"] == "enforce" and a["undo"]]
        return bool(found)

    await eventually(shown, what="the mute among the recent actions")
    return found[0]


async def _muted_member(world: World, dashboard: Dashboard) -> None:
    gateway, control = dashboard.gateway, dashboard.gateway.control
    await protected(world, dashboard)
    mark = await gateway.mark()
    await control.say(world.group, world.member, "hi")
    await gateway.reply_to(mark, world.group, containing="please join")
    assert (await control.member(world.group, world.member))["status"] == "restricted"


async def test_the_owner_sees_the_funnel_and_the_muted_and_unmutes_by_the_api(
    world: World, dashboard: Dashboard
) -> None:
    await _muted_member(world, dashboard)
    owner = dashboard.launch(world.owner)
    await _recent_mute(dashboard, owner, world.group)

    status, listing = await dashboard.call(owner, "/api/groups")
    assert status == 200
    assert listing["groups"] == [{"group_id": world.group, "title": "Chat"}]
    assert listing["texts"]["warned"] == "Warned"
    status, board = await dashboard.call(owner, f"/api/groups/{world.group}")
    assert status == 200
    assert board["funnel"]["day"] == {
        "warned": 1,
        "joined": 0,
        "unmuted": 0,
        "via_gmbot": 0,
        # The member was warned without News, whose button GMBot's own link backs.
        "channels": [
            {
                "title": "News",
                "warned": 1,
                "via_gmbot": 0,
                "unmuted": 0,
                "kept_7": [0, 0],
                "kept_30": [0, 0],
            }
        ],
    }
    assert board["funnel"]["month"]["warned"] == 1
    assert [m["user_id"] for m in board["muted"]] == [world.member]
    assert {f["name"] for f in board["settings"]["fields"]} >= {"action", "language", "mode"}

    mark = await dashboard.gateway.mark()
    status, _ = await dashboard.call(
        owner, f"/api/groups/{world.group}/unmute", {"user_id": world.member}
    )

    assert status == 200
    await _status_becomes(world, "member")
    unmutes = await dashboard.gateway.calls("restrictChatMember", mark)
    assert [str(c["params"]["user_id"]) for c in unmutes] == [str(world.member)]
    # No longer muted, Mallory is still named in the recent actions: by the name she wrote under.
    _, board = await dashboard.call(owner, f"/api/groups/{world.group}")
    named = {a["name"] for a in board["actions"] if a["user_id"] == world.member}
    assert named == {"Mallory"}


@pytest.mark.parametrize("launch", ["forged", "stale", "another bot's", "none"])
async def test_forged_or_stale_launch_data_changes_nothing(
    world: World, dashboard: Dashboard, launch: str
) -> None:
    await _muted_member(world, dashboard)
    init_data = {
        "forged": dashboard.launch(world.owner)[:-4] + "0000",
        "stale": dashboard.launch(world.owner, age=2 * 86400),
        "another bot's": dashboard.launch(world.owner, token="999:" + "x" * 35),
        "none": "",
    }[launch]
    mark = await dashboard.gateway.mark()

    listed, _ = await dashboard.call(init_data, "/api/groups")
    read, _ = await dashboard.call(init_data, f"/api/groups/{world.group}")
    wrote, _ = await dashboard.call(
        init_data, f"/api/groups/{world.group}/unmute", {"user_id": world.member}
    )
    saved, _ = await dashboard.call(
        init_data,
        f"/api/groups/{world.group}/settings",
        {"version": 1, "values": {"mode": 2}},
    )

    assert (listed, read, wrote, saved) == (401, 401, 401, 401)
    assert await dashboard.gateway.calls("restrictChatMember", mark) == []
    assert (await world.sandbox.control.member(world.group, world.member))["status"] == "restricted"


async def test_a_member_who_is_no_administrator_gets_403_and_changes_nothing(
    world: World, dashboard: Dashboard
) -> None:
    await _muted_member(world, dashboard)
    stranger = dashboard.launch(world.member)
    mark = await dashboard.gateway.mark()

    status, listing = await dashboard.call(stranger, "/api/groups")
    read, _ = await dashboard.call(stranger, f"/api/groups/{world.group}")
    wrote, _ = await dashboard.call(
        stranger, f"/api/groups/{world.group}/unmute", {"user_id": world.member}
    )
    undone, _ = await dashboard.call(
        stranger, f"/api/groups/{world.group}/undo", {"action_id": "any"}
    )

    assert (status, listing["groups"]) == (200, [])
    assert (read, wrote, undone) == (403, 403, 403)
    assert await dashboard.gateway.calls("restrictChatMember", mark) == []


async def test_settings_save_over_their_version_and_a_stale_form_is_shown_the_conflict(
    world: World, dashboard: Dashboard
) -> None:
    await _muted_member(world, dashboard)
    owner = dashboard.launch(world.owner)
    _, board = await dashboard.call(owner, f"/api/groups/{world.group}")
    version = board["settings"]["version"]
    path = f"/api/groups/{world.group}/settings"

    saved, answer = await dashboard.call(
        owner, path, {"version": version, "values": {"warning_ttl_seconds": 600}}
    )
    stale, conflict = await dashboard.call(owner, path, {"version": version, "values": {"mode": 2}})
    bad, _ = await dashboard.call(
        owner, path, {"version": answer["settings"]["version"], "values": {"mode": "loud"}}
    )

    assert saved == 200
    fields = {f["name"]: f["value"] for f in answer["settings"]["fields"]}
    assert fields["warning_ttl_seconds"] == 600
    assert stale == 409
    assert conflict["conflict"] is True
    assert conflict["settings"]["version"] == answer["settings"]["version"]
    assert {f["name"]: f["value"] for f in conflict["settings"]["fields"]}["mode"] == 1
    assert bad == 400


async def test_undo_lifts_a_recent_mute(world: World, dashboard: Dashboard) -> None:
    await _muted_member(world, dashboard)
    owner = dashboard.launch(world.owner)
    mute = await _recent_mute(dashboard, owner, world.group)

    status, _ = await dashboard.call(
        owner, f"/api/groups/{world.group}/undo", {"action_id": mute["action_id"]}
    )
    again, _ = await dashboard.call(
        owner, f"/api/groups/{world.group}/undo", {"action_id": "no-such-action"}
    )

    assert status == 200
    assert again == 409
    await _status_becomes(world, "member")


async def test_the_page_is_served_under_a_strict_csp_and_opens_from_private(
    world: World, dashboard: Dashboard
) -> None:
    async with dashboard.gateway.session.get(dashboard.url + "/") as page:
        assert page.status == 200
        csp = page.headers["Content-Security-Policy"]
    async with dashboard.gateway.session.get(dashboard.url + "/static/app.js") as script:
        assert script.status == 200
    mark = await dashboard.gateway.mark()

    await dashboard.gateway.control.say_to_bot(world.bot_id, world.owner, "/start")
    await dashboard.gateway.reply_to(mark, world.owner)

    mark_stats = await dashboard.gateway.mark()
    await dashboard.gateway.control.say_to_bot(world.bot_id, world.owner, "/stats")
    await dashboard.gateway.reply_to(mark_stats, world.owner)

    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    start, stats = await dashboard.gateway.calls("sendMessage", mark)
    for answer in (start, stats):
        rows = json.loads(answer["params"]["reply_markup"])["inline_keyboard"]
        assert rows[-1][0]["web_app"] == {"url": dashboard.url + "/"}
    # The menu button is published at the budget's lowest priority, behind every reply.
    menu: list[dict[str, Any]] = []

    async def published() -> bool:
        menu[:] = await dashboard.gateway.calls("setChatMenuButton")
        return bool(menu)

    await eventually(published, what="the menu button published")
    assert json.loads(menu[-1]["params"]["menu_button"])["web_app"]["url"] == dashboard.url + "/"


async def test_another_administrator_sees_the_group_too(world: World, dashboard: Dashboard) -> None:
    # Every administrator is an owner: one who neither protected the group nor wrote in it
    # finds it all the same.
    control = dashboard.gateway.control
    helper = int((await control.create_user("Hedda"))["id"])
    await control.join(world.group, helper)
    await control.promote(world.group, helper)
    await _muted_member(world, dashboard)

    status, listing = await dashboard.call(dashboard.launch(helper), "/api/groups")

    assert status == 200
    assert listing["groups"] == [{"group_id": world.group, "title": "Chat"}]
