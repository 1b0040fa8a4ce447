"""The exempt list from the panel: people by name, a tap takes one off, Add picks people in
private (and says how in a group); /exempt by reply or by the @username of someone seen."""

from __future__ import annotations

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows import exempt_list
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.panel_data import scope
from gmbot.gateway.flows.settings_panel import press
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes
from tests.unit.gateway.panel_world import admin_world, calm

BORIS = Person(501, "Boris", username="boris_b")


def _exempting(fakes: Fakes, *user_ids: int, added: tuple[int, ...] = ()) -> None:
    policy = calm()
    policy.settings.exempt_user_ids[:] = list(user_ids)
    fakes.ctx.policies.remember(world.GROUP, policy_from(policy))
    now = calm()
    now.version = 4
    answer = tenancy.ChangeExemptUsersResponse(policy=now, added=list(added))
    fakes.tenancy.answer("ChangeExemptUsers", answer)
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))


async def test_the_list_shows_names_and_a_tap_takes_one_off() -> None:
    fakes = admin_world()
    _exempting(fakes, BORIS.user_id, 502)
    await fakes.ctx.seen_people.seen(BORIS.user_id, BORIS.display_name, BORIS.username)

    shown = await press(fakes.ctx, world.command(), "set:exempt_user_ids:3")

    assert shown.panel is not None
    texts = [text for row in shown.panel.rows for text, _ in row]
    assert texts == ["✖ Boris", "✖ 502", say("en", "button_exempt_add"), say("en", "button_back")]
    removed = await press(fakes.ctx, world.command(), shown.panel.rows[0][0][1])
    [change] = fakes.tenancy.requests("ChangeExemptUsers")
    assert list(change.remove) == [BORIS.user_id]
    assert removed.note == say("en", "exempt_removed", user="Boris")


async def test_add_picks_people_in_private_and_says_how_in_the_group() -> None:
    fakes = admin_world()
    _exempting(fakes, added=(BORIS.user_id,))

    in_group = await press(fakes.ctx, world.command(), "set:exempt_user_ids:3:a")
    in_private = await press(fakes.ctx, world.command(), f"{scope(world.GROUP)}exempt_user_ids:3:a")
    said = await exempt_list.picked(fakes.ctx, 9, world.OLGA, exempt_list.PICK_REQUEST, [BORIS])

    assert in_group.note == say("en", "exempt_add_in_group")
    assert in_private.pick_people == say("en", "exempt_pick", group="Chat")
    [change] = fakes.tenancy.requests("ChangeExemptUsers")
    assert list(change.add) == [BORIS.user_id]
    assert said == say("en", "exempt_added", users="Boris", group="Chat")
    assert fakes.enforcement.requests("Release")


async def test_exempt_by_reply_or_by_a_seen_username_and_why_not_otherwise() -> None:
    fakes = admin_world()
    _exempting(fakes, added=(BORIS.user_id,))

    unknown = await exempt_list.exempt_command(fakes.ctx, world.command(), None, "@boris_b")
    await fakes.ctx.seen_people.seen(BORIS.user_id, BORIS.display_name, BORIS.username)
    by_name = await exempt_list.exempt_command(fakes.ctx, world.command(), None, "@Boris_B")
    by_reply = await exempt_list.exempt_command(fakes.ctx, world.command(), BORIS, "")
    usage = await exempt_list.exempt_command(fakes.ctx, world.command(), None, "")

    assert unknown == say("en", "exempt_unknown_username", username="@boris_b")
    assert by_name == by_reply == say("en", "exempt_added", users="Boris", group="Chat")
    assert usage == say("en", "exempt_usage")
    assert len(fakes.tenancy.requests("ChangeExemptUsers")) == 2
