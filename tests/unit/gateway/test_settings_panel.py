"""The settings panel: a tap opens choices and changes nothing, choosing changes one setting,
a value that removes people is confirmed once, buttons Telegram accepts, a stale panel."""

from __future__ import annotations

import grpc

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.domain.choices import EnforcementAction
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.domain.settings import CHOSEN, SCHEMA, GroupSettings, removes_people
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.go_live import press as press_go_live
from gmbot.gateway.flows.panel_data import (
    PANEL,
    Asked,
    Press,
    PressAnswer,
    TypedAnswer,
    parse,
    scope,
)
from gmbot.gateway.flows.settings_panel import (
    choices,
    panel,
    press,
    prompted,
    typed,
)
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import go_live
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.panel_world import admin_world, calm, changed

KICK = SCHEMA["action"].choices.index(EnforcementAction.KICK)
DELETE_ONLY = SCHEMA["action"].choices.index(EnforcementAction.DELETE_ONLY)


async def _typed(
    fakes: Fakes, prompt: str, text: str, writer: Person | None = world.OLGA, message_id: int = 81
) -> PressAnswer | None:
    """`text` typed by `writer` in the group in reply to the prompt (80) Olga was asked."""
    await prompted(fakes.ctx, world.GROUP, 80, Asked(world.OWNER, world.GROUP, in_private=False))
    answer = TypedAnswer(world.GROUP, 80, prompt, message_id, text)
    return await typed(fakes.ctx, 7, writer, answer)


async def test_a_settings_tap_changes_nothing_until_a_value_is_chosen() -> None:
    fakes = admin_world()

    answer = await press(fakes.ctx, world.command(), "set:action:3")

    assert answer.panel is not None
    texts = [text for row in answer.panel.rows for text, _ in row]
    assert texts == ["✅ mute", "kick", "delete only", say("en", "button_back")]
    assert fakes.tenancy.requests("UpdateGroupSettings") == []


async def test_choosing_a_value_applies_that_value_only() -> None:
    fakes = admin_world()
    changed(fakes, action=tenancy.ENFORCEMENT_ACTION_DELETE_ONLY)

    answer = await press(fakes.ctx, world.command(), f"set:action:3:{DELETE_ONLY}")

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.action == tenancy.ENFORCEMENT_ACTION_DELETE_ONLY
    assert list(update.update_mask.paths) == ["action"]
    assert update.expected_version == 3
    assert answer.note == "Action is now delete only."


async def test_kick_asks_for_confirmation_once() -> None:
    fakes = admin_world()
    changed(fakes, action=tenancy.ENFORCEMENT_ACTION_KICK)

    asked = await press(fakes.ctx, world.command(), f"set:action:3:{KICK}")

    assert fakes.tenancy.requests("UpdateGroupSettings") == []
    assert asked.panel is not None
    assert "removed from the group" in asked.panel.text
    [apply], [back] = asked.panel.rows
    assert apply == (say("en", "button_apply"), f"set:action:3:{KICK}:y")
    assert back[1] == "set:action:3"

    await press(fakes.ctx, world.command(), apply[1])

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.action == tenancy.ENFORCEMENT_ACTION_KICK


async def test_kick_after_minutes_above_zero_asks_first_and_never_does_not() -> None:
    fakes = admin_world()
    changed(fakes)
    presets = SCHEMA["kick_after_minutes"].choices

    asked = await press(fakes.ctx, world.command(), f"set:kick_after_minutes:3:{presets.index(60)}")
    assert asked.panel is not None
    assert "removed from the group" in asked.panel.text

    fakes.ctx.policies.remember(world.GROUP, policy_from(world.policy()))  # kicks after 30 minutes
    await press(fakes.ctx, world.command(), f"set:kick_after_minutes:3:{presets.index(0)}")
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.kick_after_minutes == 0


async def test_back_shows_the_panel_again() -> None:
    fakes = admin_world()

    answer = await press(fakes.ctx, world.command(), "set:-:3")

    assert answer.panel == panel(policy_from(calm()))


def test_every_button_carries_the_version_and_fits_telegram() -> None:
    policy = GroupPolicy(
        group_id=-100,
        version=7,
        settings=GroupSettings(
            language="ar", action=EnforcementAction.MUTE, warning_ttl_seconds=300
        ),
    )

    views = [panel(policy), panel(policy, scope(policy.group_id))] + [
        choices(policy, name, where)
        for name in PANEL
        for where in (scope(None), scope(-1_009_999_999_999))
    ]

    assert len(views[0].rows) == len(PANEL) == len(CHOSEN) + 2 == 13
    for view in views:
        assert "value_" not in str(view)
        for row in view.rows:
            for text, data in row:
                assert 0 < len(text) <= 64
                assert len(data.encode()) <= 64
                assert parse(data) is not None
                assert ":7" in data
    assert "الإجراء" in str(views[0].rows)


def test_the_panels_text_does_not_repeat_its_buttons() -> None:
    shown = panel(policy_from(world.policy()))

    for row in shown.rows:
        for text, _ in row:
            assert text not in shown.text


def test_only_panel_data_is_a_panel_press() -> None:
    assert parse("set:language:3") == Press("language", 3)
    assert parse("set:language:3:2") == Press("language", 3, "2")
    assert parse("set:action:3:1:y") == Press("action", 3, "1", confirmed=True)
    assert parse("set:kick_after_minutes:3:n45:y") == Press(
        "kick_after_minutes", 3, "n45", confirmed=True
    )
    assert parse("set:kick_after_minutes:3:t") == Press("kick_after_minutes", 3, "t")
    assert parse("set:action:3:t") is None  # no typing where there is a list
    assert parse("set:action:3:n2") is None
    assert parse("set:action:3:9") is None
    assert parse("set:language:x") is None
    assert parse("set:warning_text:3") == Press("warning_text", 3)
    assert parse("set:warning_text:3:s812") == Press("warning_text", 3, "s812")
    assert parse("set:warning_text:3:n2") is None
    assert parse("set:exempt_user_ids:3") == Press("exempt_user_ids", 3)
    assert parse("set:exempt_user_ids:3:r77") == Press("exempt_user_ids", 3, "r77")
    assert parse("set:exempt_user_ids:3:rx") is None
    assert parse("sp:-1001:language:3:2") == Press("language", 3, "2", group_id=-1001)
    assert parse("sp:abc:language:3") is None
    assert parse("set:language") is None
    assert parse("v1:abc") is None


def test_the_schema_says_which_values_remove_people() -> None:
    assert removes_people(GroupSettings(action=EnforcementAction.KICK), "action")
    assert not removes_people(GroupSettings(action=EnforcementAction.MUTE), "action")
    assert removes_people(GroupSettings(kick_after_minutes=5), "kick_after_minutes")
    assert not removes_people(GroupSettings(), "kick_after_minutes")


async def test_a_panel_press_on_a_stale_panel_shows_what_is_true_now() -> None:
    fakes = admin_world()
    fakes.tenancy.answer("UpdateGroupSettings", rpc_error(grpc.StatusCode.ABORTED, "version 3"))
    now = world.policy()
    now.version = 4
    fakes.tenancy.answer("GetGroupPolicy", tenancy.GetGroupPolicyResponse(policy=now))

    answer = await press(fakes.ctx, world.command(), "set:language:3:1")

    assert answer.note == say("en", "settings_conflict")
    assert answer.panel == panel(policy_from(now))
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.expected_version == 3


def test_the_schema_covers_every_setting_tenancy_keeps() -> None:
    # A setting missing here would be listed nowhere and changed by no button.
    assert set(SCHEMA) == set(tenancy.GroupSettings.DESCRIPTOR.fields_by_name)


async def test_go_live_from_the_digest_enforces_for_an_administrator_only() -> None:
    fakes = admin_world()
    changed(fakes, mode=tenancy.GROUP_MODE_ENFORCE)
    data = go_live(world.GROUP)

    assert await press_go_live(fakes.ctx, data, world.MEMBER, "en") is None
    assert fakes.tenancy.requests("UpdateGroupSettings") == []
    note = await press_go_live(fakes.ctx, data, world.OWNER, "ru")

    assert note == say("ru", "went_live", title="Chat")
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert (update.settings.mode, list(update.update_mask.paths)) == (
        tenancy.GROUP_MODE_ENFORCE,
        ["mode"],
    )
    assert await press_go_live(fakes.ctx, "live:abc", world.OWNER, "en") is None


async def test_a_typed_number_is_asked_for_and_chosen_like_a_preset() -> None:
    fakes = admin_world()
    changed(fakes, warning_ttl_seconds=45)

    asked = await press(fakes.ctx, world.command(), "set:warning_ttl_seconds:3:t")
    assert asked.prompt.startswith("✏️")
    assert "(<code>warning_ttl_seconds</code>)" in asked.prompt
    assert fakes.tenancy.requests("UpdateGroupSettings") == []

    prompt = "✏️ Olga, reply to this message with a number for ... (warning_ttl_seconds)."
    answer = await _typed(fakes, prompt, "45")
    assert answer is not None

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.warning_ttl_seconds == 45
    assert update.expected_version == 3
    assert answer.note == "Warning lifetime is now 45 s."


async def test_a_typed_kick_after_asks_for_confirmation_once() -> None:
    fakes = admin_world()
    prompt = "✏️ Olga: … (kick_after_minutes)."

    asked = await _typed(fakes, prompt, "45")

    assert fakes.tenancy.requests("UpdateGroupSettings") == []
    assert asked is not None
    assert asked.panel is not None
    assert asked.panel.rows[0][0][1] == "set:kick_after_minutes:3:n45:y"
    refused = await _typed(fakes, prompt, "soon")
    assert refused is not None
    assert refused.note == say("en", "setting_whole_number", name="kick_after_minutes")


async def test_a_typed_number_beyond_what_the_setting_holds_is_refused_not_sent() -> None:
    """Before: 2^32 minutes failed building the update and the press went unanswered."""
    fakes = admin_world()
    prompt = "✏️ Olga: … (warning_ttl_seconds)."

    refused = await _typed(fakes, prompt, str(2**32))

    assert refused is not None
    assert refused.note == say("en", "setting_whole_number", name="warning_ttl_seconds")
    assert fakes.tenancy.requests("UpdateGroupSettings") == []
