"""/settings values as owners type them, and a value tenancy refuses, explained."""

from __future__ import annotations

import grpc
import pytest

from gmbot.gateway.domain.choices import EnforcementAction
from gmbot.gateway.flows.admin_checks import Refusal
from gmbot.gateway.flows.settings import label, parse_value, show_or_change, show_value
from gmbot.gateway.texts import Html, say
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import admins, command, protected


def test_enum_values_are_typed_as_words() -> None:
    settings = parse_value("action", "Kick")

    assert settings.action == EnforcementAction.KICK
    assert show_value(settings, "action") == "kick"


def test_booleans_accept_on_and_off_in_both_languages() -> None:
    assert parse_value("check_on_join", "off").check_on_join is False
    assert parse_value("check_on_join", "да").check_on_join is True


def test_lists_accept_commas_and_spaces() -> None:
    settings = parse_value("exempt_user_ids", "1, 2 3")

    assert list(settings.exempt_user_ids) == [1, 2, 3]
    assert show_value(settings, "exempt_user_ids") == "1, 2, 3"


def test_a_dash_resets_the_warning_text() -> None:
    assert parse_value("warning_text", "-").warning_text == ""
    assert parse_value("warning_text", " Join {channels}! ").warning_text == "Join {channels}!"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("action", "ban", "action is one of: mute, kick, delete_only"),
        ("check_on_join", "maybe", "on or off"),
        ("kick_after_minutes", "ten", "whole number"),
        ("exempt_user_ids", "1, x", "whole number"),
    ],
)
def test_bad_values_say_what_is_accepted(name: str, value: str, words: str) -> None:
    with pytest.raises(Refusal, match=words):
        parse_value(name, value)


async def test_a_setting_tenancy_refuses_is_explained_in_the_groups_language() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.tenancy.answer(
        "UpdateGroupSettings", rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "language: xx")
    )

    text = await show_or_change(fakes.ctx, command(), "language xx")

    reason = say("en", "setting_not_allowed", name=label("en", "language"), value="xx")
    assert text == say("en", "setting_bad", reason=Html(reason))
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.language == "xx"
    assert list(update.update_mask.paths) == ["language"]
