"""The Mini App's pure parts: its words per language and direction, and the settings form's
values turned into a settings change."""

from __future__ import annotations

import pytest

from gmbot.gateway.miniapp.board import EDITABLE, settings_change
from gmbot.gateway.miniapp.texts import page_texts
from gmbot.gateway.texts import LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_the_pages_words_and_its_direction(language: str) -> None:
    page = page_texts(language)
    english = page_texts("en")["texts"]

    assert page["rtl"] is (language in {"fa", "ar"})
    assert set(page["texts"]) == set(english)
    assert {"warned", "joined", "unmuted", "unmute", "exempt", "undo", "save"} <= set(english)
    if language != "en":
        assert page["texts"]["funnel"] != english["funnel"]


def test_the_form_edits_every_setting_but_the_exempt_list() -> None:
    assert "exempt_user_ids" not in EDITABLE
    assert {"action", "language", "mode", "warning_text", "check_on_join"} <= set(EDITABLE)


def test_form_values_become_a_settings_change_with_its_mask() -> None:
    settings, mask = settings_change({"mode": 2, "check_on_join": False, "language": "fa"})

    assert (settings.mode, settings.check_on_join, settings.language) == (2, False, "fa")
    assert mask == ["mode", "check_on_join", "language"]


@pytest.mark.parametrize(
    "values",
    [
        {"exempt_user_ids": [1]},
        {"no_such_setting": 1},
        {"mode": "observe"},
        {"check_on_join": 1},
        {"warning_ttl_seconds": True},
        {"warning_ttl_seconds": -5},
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_before_tenancy(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        settings_change(values)
