"""The Mini App's settings form asks before a change that removes people, as the panel does, and
the API holds to it whatever the page does: such a change is saved only when the request says it
was confirmed; a change that removes nobody, or a value the group has already, is not asked."""

from __future__ import annotations

from typing import Any

from tests.integration.gateway.dashboard import Dashboard, protected
from tests.support.gateway import World

KICK = 2  # EnforcementAction.KICK
OBSERVE = 2  # GroupMode.OBSERVE


async def _form(dashboard: Dashboard, owner: str, group: int) -> tuple[int, dict[str, Any]]:
    """The settings form's version and values, as the page reads them."""
    status, board = await dashboard.call(owner, f"/api/groups/{group}")
    assert status == 200
    return board["settings"]["version"], _values(board["settings"])


def _values(form: dict[str, Any]) -> dict[str, Any]:
    """A settings form's values by setting name."""
    return {f["name"]: f["value"] for f in form["fields"]}


async def _save(
    dashboard: Dashboard, owner: str, group: int, body: dict[str, Any]
) -> tuple[int, Any]:
    return await dashboard.call(owner, f"/api/groups/{group}/settings", body)


async def test_kicking_is_refused_unconfirmed_with_the_question_and_nothing_changes(
    world: World, dashboard: Dashboard
) -> None:
    await protected(world, dashboard)
    owner = dashboard.launch(world.owner, language="ru")
    version, before = await _form(dashboard, owner, world.group)
    change = {"action": KICK, "kick_after_minutes": 10, "mode": OBSERVE}

    status, asked = await _save(
        dashboard, owner, world.group, {"version": version, "values": change}
    )

    assert status == 428
    assert asked["confirm"] == ["action", "kick_after_minutes"]
    # In the viewer's language, as plain text naming the changes.
    assert "удалены из группы" in asked["question"]
    assert "10" in asked["question"]
    assert "<" not in asked["question"]
    assert await _form(dashboard, owner, world.group) == (version, before)
    assert before["action"] != KICK
    assert before["mode"] != OBSERVE


async def test_a_confirmed_change_that_removes_people_is_saved(
    world: World, dashboard: Dashboard
) -> None:
    await protected(world, dashboard)
    owner = dashboard.launch(world.owner)
    version, _ = await _form(dashboard, owner, world.group)
    body = {"version": version, "values": {"action": KICK}, "confirmed": True}

    status, answer = await _save(dashboard, owner, world.group, body)

    assert status == 200
    saved = _values(answer["settings"])
    assert saved["action"] == KICK
    assert await _form(dashboard, owner, world.group) == (answer["settings"]["version"], saved)


async def test_a_change_that_removes_nobody_is_not_asked(
    world: World, dashboard: Dashboard
) -> None:
    await protected(world, dashboard)
    owner = dashboard.launch(world.owner)
    version, _ = await _form(dashboard, owner, world.group)
    # Never kicking after a while removes nobody either.
    change = {"mode": OBSERVE, "kick_after_minutes": 0, "warning_ttl_seconds": 600}

    status, answer = await _save(
        dashboard, owner, world.group, {"version": version, "values": change}
    )

    assert status == 200
    saved = _values(answer["settings"])
    assert {name: saved[name] for name in change} == change


async def test_a_removing_value_the_group_has_already_is_not_asked_again(
    world: World, dashboard: Dashboard
) -> None:
    await protected(world, dashboard)
    owner = dashboard.launch(world.owner)
    version, _ = await _form(dashboard, owner, world.group)
    body = {"version": version, "values": {"action": KICK}, "confirmed": True}
    _, kicking = await _save(dashboard, owner, world.group, body)
    version = kicking["settings"]["version"]

    again = {"action": KICK, "warning_ttl_seconds": 600}
    status, answer = await _save(
        dashboard, owner, world.group, {"version": version, "values": again}
    )
    # Kicking after a while is a change of its own that removes people: asked, it alone.
    later = {"action": KICK, "kick_after_minutes": 60}
    version = answer["settings"]["version"]
    asked_status, asked = await _save(
        dashboard, owner, world.group, {"version": version, "values": later}
    )

    assert status == 200
    assert _values(answer["settings"])["warning_ttl_seconds"] == 600
    assert (asked_status, asked["confirm"]) == (428, ["kick_after_minutes"])


async def test_a_stale_form_that_kicks_is_shown_the_conflict_not_asked(
    world: World, dashboard: Dashboard
) -> None:
    await protected(world, dashboard)
    owner = dashboard.launch(world.owner)
    stale, _ = await _form(dashboard, owner, world.group)
    body = {"version": stale, "values": {"warning_ttl_seconds": 600}}
    _, answer = await _save(dashboard, owner, world.group, body)

    status, conflict = await _save(
        dashboard, owner, world.group, {"version": stale, "values": {"action": KICK}}
    )

    assert status == 409
    assert conflict["settings"]["version"] == answer["settings"]["version"]
    assert await _form(dashboard, owner, world.group) == (
        answer["settings"]["version"],
        _values(answer["settings"]),
    )
