"""Tenancy's validation rules, without a database."""

from __future__ import annotations

import pytest

from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import MIN_MARKED_CHANNEL_ID, check_supergroup_id, check_user_id
from gmbot.tenancy.policy import (
    Action,
    Channel,
    GroupSettings,
    change_settings,
    check_channel_list,
    load_settings,
)


def test_defaults_are_what_a_new_group_gets() -> None:
    settings = GroupSettings()

    assert settings.action is Action.MUTE
    assert settings.language == "en"
    assert settings.warning_ttl_seconds == 300
    assert settings.check_on_join
    assert not settings.gate_join_requests
    assert settings.ban_sender_chat


@pytest.mark.parametrize("value", [-1001234567890, MIN_MARKED_CHANNEL_ID, -1000000000001])
def test_marked_supergroup_ids_are_accepted(value: int) -> None:
    assert check_supergroup_id(value, "group_id") == value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (-123456, "upgrade it to a supergroup"),
        (0, "-100xxxxxxxxxx"),
        (1001234567890, "-100xxxxxxxxxx"),
        (-1000000000000, "-100xxxxxxxxxx"),
        (MIN_MARKED_CHANNEL_ID - 1, "-100xxxxxxxxxx"),
    ],
)
def test_other_chat_ids_are_refused_with_a_hint(value: int, words: str) -> None:
    with pytest.raises(InvalidArgument, match=words) as caught:
        check_supergroup_id(value, "group_id")
    assert caught.value.field == "group_id"


@pytest.mark.parametrize("value", [0, -5, 1 << 40])
def test_user_ids_outside_telegrams_range_are_refused(value: int) -> None:
    with pytest.raises(InvalidArgument, match="user id"):
        check_user_id(value, "user_id")


def test_change_settings_validates_the_result_as_a_whole() -> None:
    changed = change_settings(GroupSettings(), {"language": "ru", "kick_after_minutes": 30})

    assert changed.language == "ru"
    assert changed.kick_after_minutes == 30


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"colour": "red"}, "unknown setting 'colour'; known settings: action,"),
        ({"warning_text": "x" * 1001}, "warning_text"),
        ({"warning_text": "{user} {oops}"}, "unknown placeholder {oops}"),
        ({"warning_text": "{user"}, "unbalanced braces"),
        ({"exempt_user_ids": tuple(range(1, 10_002))}, "exempt_user_ids"),
        ({"action": "ban"}, "action"),
        ({"check_on_join": "perhaps"}, "check_on_join"),
    ],
)
def test_bad_changes_name_the_setting(changes: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidArgument, match=words):
        change_settings(GroupSettings(), changes)


def test_literal_braces_are_allowed_in_warning_text() -> None:
    settings = change_settings(GroupSettings(), {"warning_text": "{{not a placeholder}} {user}"})

    assert settings.warning_text == "{{not a placeholder}} {user}"


def test_stored_settings_of_removed_options_are_ignored() -> None:
    settings = load_settings({"language": "ru", "an_option_we_dropped": True})

    assert settings.language == "ru"


def test_channel_usernames_lose_their_at_sign() -> None:
    channel = Channel(-1001234567890, "News", "@news_channel").validated()

    assert channel.username == "news_channel"


def test_a_channel_list_is_checked_in_order() -> None:
    with pytest.raises(InvalidArgument, match=r"channels\[1\]\.channel_id"):
        check_channel_list([Channel(-1001234567890), Channel(42)])


def test_every_language_gmbot_speaks_is_a_valid_setting() -> None:
    for language in ("en", "ru", "uk", "es", "pt_BR", "fa", "ar", "id", "tr"):
        assert change_settings(GroupSettings(), {"language": language}).language == language
