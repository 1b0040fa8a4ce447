"""The settings panel: what a tap changes, buttons Telegram accepts, and a tap on a stale panel."""

from __future__ import annotations

import grpc

from gmbot.gateway.flows.settings_panel import next_value, panel, parse, press
from gmbot.gateway.texts import say
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes, rpc_error


def test_a_tap_moves_a_setting_to_its_next_value_and_wraps() -> None:
    settings = tenancy.GroupSettings(
        action=tenancy.ENFORCEMENT_ACTION_MUTE, warning_ttl_seconds=300, language="tr"
    )

    assert next_value(settings, "action").action == tenancy.ENFORCEMENT_ACTION_KICK
    assert next_value(settings, "warning_ttl_seconds").warning_ttl_seconds == 900
    assert next_value(settings, "language").language == "en"
    assert next_value(settings, "gate_join_requests").gate_join_requests is True


def test_a_value_off_the_list_goes_to_the_first_choice() -> None:
    odd = tenancy.GroupSettings(warning_ttl_seconds=42)

    assert next_value(odd, "warning_ttl_seconds").warning_ttl_seconds == 60


def test_every_button_carries_the_version_and_fits_telegram() -> None:
    policy = tenancy.GroupPolicy(
        group_id=-100,
        version=7,
        settings=tenancy.GroupSettings(
            language="ar", action=tenancy.ENFORCEMENT_ACTION_MUTE, warning_ttl_seconds=300
        ),
    )

    shown = panel(policy)

    assert len(shown.rows) == 9
    assert "value_" not in str(shown)
    for row in shown.rows:
        for text, data in row:
            assert 0 < len(text) <= 64
            assert len(data.encode()) <= 64
            assert data.endswith(":7")
    assert "الإجراء" in shown.text


def test_only_panel_data_is_a_panel_press() -> None:
    assert parse("set:language:3") == ("language", 3)
    assert parse("set:language:x") is None
    assert parse("set:warning_text:3") is None
    assert parse("v1:abc") is None


async def test_a_panel_press_on_a_stale_panel_shows_what_is_true_now() -> None:
    fakes = Fakes()
    world.protected(fakes)
    fakes.membership.answer("GetChatAdministrators", world.admins())
    fakes.tenancy.answer("UpdateGroupSettings", rpc_error(grpc.StatusCode.ABORTED, "version 3"))
    now = world.policy()
    now.version = 4
    fakes.tenancy.answer("GetGroupPolicy", tenancy.GetGroupPolicyResponse(policy=now))

    answer = await press(fakes.ctx, world.command(), "set:language:3")

    assert answer.note == say("en", "settings_panel")
    assert answer.panel == panel(now)
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.expected_version == 3
