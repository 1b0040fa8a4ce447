"""Where the settings panel is: in private (its data names the group, Back leads to the group's
menu), and under /protect's answer in the group (observing first, one tap away)."""

from __future__ import annotations

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.domain.choices import EnforcementAction, GroupMode
from gmbot.gateway.domain.settings import SCHEMA
from gmbot.gateway.flows.panel_data import Press, parse, scope
from gmbot.gateway.flows.settings_panel import observe_offer, press
from gmbot.gateway.texts import say
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway import world
from tests.unit.gateway.panel_world import admin_world, calm, changed

DELETE_ONLY = SCHEMA["action"].choices.index(EnforcementAction.DELETE_ONLY)


async def test_a_panel_in_private_names_the_group_and_leads_back_to_its_menu() -> None:
    fakes = admin_world()
    changed(fakes, action=tenancy.ENFORCEMENT_ACTION_DELETE_ONLY)
    where = scope(world.GROUP)

    choices_shown = await press(fakes.ctx, world.command(), f"{where}action:3")
    chosen = await press(fakes.ctx, world.command(), f"{where}action:3:{DELETE_ONLY}")

    assert choices_shown.panel is not None
    assert all(d.startswith(where) for row in choices_shown.panel.rows for _, d in row)
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.group_id == world.GROUP
    assert chosen.panel is not None
    *settings, [(back, menu)] = chosen.panel.rows
    assert all(d.startswith(where) for row in settings for _, d in row)
    assert back == say("en", "button_back")
    assert not menu.startswith(where)  # the owners' signed button to the group's menu


def test_protect_offers_observing_only_while_the_group_enforces() -> None:
    enforcing = calm()
    observing = calm()
    observing.settings.mode = tenancy.GROUP_MODE_OBSERVE

    [[(text, data)]] = observe_offer(policy_from(enforcing))

    assert text == say("en", "pick_observe_button")
    assert parse(data) == Press("mode", 3, str(SCHEMA["mode"].choices.index(GroupMode.OBSERVE)))
    assert observe_offer(policy_from(observing)) == []
    assert observe_offer(None) == []
