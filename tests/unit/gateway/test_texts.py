"""Every text exists in every language, and what is substituted is escaped."""

from __future__ import annotations

import string

from gmbot.gateway import texts
from gmbot.gateway.texts import Html, language_of, say


def _catalog(language: str) -> dict[str, str]:
    return texts._CATALOG[language]


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    english = _catalog("en")
    for language in texts.LANGUAGES:
        catalog = _catalog(language)
        assert set(catalog) == set(english), language
        for key, template in catalog.items():
            names = {n for _, n, _, _ in string.Formatter().parse(template) if n}
            expected = {n for _, n, _, _ in string.Formatter().parse(english[key]) if n}
            assert names == expected, (language, key)


def test_substituted_values_are_html_escaped() -> None:
    text = say("en", "protected", channels="<b>evil</b> & co")

    assert "&lt;b&gt;evil&lt;/b&gt; &amp; co" in text


def test_html_values_are_kept() -> None:
    assert "<i>x</i>" in say("en", "setting_bad", reason=Html("<i>x</i>"))


def test_unknown_languages_fall_back_to_english() -> None:
    assert say("de", "verify_ok") == say("en", "verify_ok")


def test_telegram_language_codes_map_to_ours() -> None:
    assert language_of("ru") == "ru"
    assert language_of("uk") == "ru"
    assert language_of("en-GB") == "en"
    assert language_of(None) == "en"
