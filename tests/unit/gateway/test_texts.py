"""Every text exists in every language, and what is substituted is escaped."""

from __future__ import annotations

import string

from gmbot.gateway import texts
from gmbot.gateway.texts import Html, language_of, say, say_count
from gmbot.runtime.catalogs import message_ids


def _catalog(language: str) -> dict[str, str]:
    return message_ids(texts.LOCALES / language / "LC_MESSAGES" / "gateway.po")


def _placeholders(template: str) -> set[str]:
    return {n for _, n, _, _ in string.Formatter().parse(template) if n}


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    """A key added to the English catalog fails here until every language has it."""
    english = _catalog("en")
    assert english
    assert all(english.values())
    for language in texts.LANGUAGES:
        catalog = _catalog(language)
        missing = [key for key in english if not catalog.get(key)]
        assert not missing, f"{language} lacks {missing}"
        assert set(catalog) == set(english), language
        for key, template in catalog.items():
            assert _placeholders(template) == _placeholders(english[key]), (language, key)
            assert template.count("<") == english[key].count("<"), (language, key)


def test_every_language_is_loaded_and_says_its_own_text() -> None:
    for language in texts.LANGUAGES:
        assert language in texts.CATALOGS
        assert say(language, "verify_ok") == _catalog(language)["verify_ok"]
    assert say("uk", "verify_ok") != say("ru", "verify_ok")


def test_names_in_right_to_left_languages_are_isolated() -> None:
    fsi, pdi = "\u2068", "\u2069"

    assert f"{fsi}@news{pdi}" in say("ar", "not_a_channel", channel="@news")
    assert f"{fsi}@news{pdi}" in say("fa", "not_a_channel", channel="@news")
    assert fsi not in say("en", "not_a_channel", channel="@news")
    assert f"{fsi}أخبار{pdi}" in say("en", "not_a_channel", channel="أخبار")


def test_substituted_values_are_html_escaped() -> None:
    text = say("en", "protected", channels="<b>evil</b> & co")

    assert "&lt;b&gt;evil&lt;/b&gt; &amp; co" in text


def test_html_values_are_kept() -> None:
    assert "<i>x</i>" in say("en", "setting_bad", reason=Html("<i>x</i>"))


def test_unknown_languages_fall_back_to_english() -> None:
    assert say("de", "verify_ok") == say("en", "verify_ok")


def test_telegram_language_codes_map_to_ours() -> None:
    assert language_of("ru") == "ru"
    assert language_of("uk") == "uk"
    assert language_of("be") == "ru"
    assert language_of("pt-br") == "pt_BR"
    assert language_of("fa") == "fa"
    assert language_of("de") == "en"
    assert language_of("en-GB") == "en"
    assert language_of(None) == "en"


def test_a_long_title_is_shortened_with_an_ellipsis() -> None:
    title = "T" * 128

    assert texts.shorten(title, 64) == "T" * 63 + "…"
    assert texts.shorten("  short  ", 64) == "short"
    assert texts.shorten("x" * 64, 64) == "x" * 64


def test_shortening_never_leaves_an_accent_or_a_joiner_dangling() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of three joined
    accented = "e\u0301"  # é as e + combining acute

    assert texts.shorten("a" * 61 + family, 64) == "a" * 61 + "…"
    assert texts.shorten("a" * 62 + accented + "z", 64) == "a" * 62 + "…"


def test_button_texts_fit_telegrams_limit_and_are_never_blank() -> None:
    assert len(texts.button_text("N" * 128)) == texts.BUTTON_TEXT_LIMIT
    assert texts.button_text("", "news_channel") == "news_channel"
    assert texts.button_text("   ", "") == "channel"


def test_lines_past_one_message_are_counted_not_sent() -> None:
    lines = [f"• group {n}: " + "t" * 250 for n in range(100)]

    text = texts.fit_lines("en", lines)

    assert len(text) <= texts.MESSAGE_LIMIT
    assert text.startswith("• group 0: ")
    kept = text.count("• group ")
    assert text.endswith(f"…and {100 - kept} more.")
    assert texts.fit_lines("en", lines[:3]) == "\n".join(lines[:3])


def test_the_welcome_says_which_rights_the_bot_has_and_lacks() -> None:
    from gmbot.gateway.flows.bot_status import BotStatus, welcome

    text = welcome("en", BotStatus("administrator", frozenset({"can_delete_messages"})), "bot")

    assert "Rights I have: delete messages." in text
    assert "Rights I still need: ban users, invite users via link." in text
    assert "Права" not in text
    ru = welcome("ru", BotStatus("member", frozenset()), "bot")
    assert "удалять сообщения, блокировать пользователей, приглашать по ссылке" in ru


def test_the_welcome_offers_the_set_up_by_chat_pickers_in_private() -> None:
    from gmbot.gateway.flows.bot_status import BotStatus, welcome

    for language in texts.LANGUAGES:
        text = welcome(language, BotStatus("administrator", frozenset()), "guard_bot")

        assert '<a href="https://t.me/guard_bot?start=protect">' in text, language


def test_counts_read_naturally_never_with_an_s_in_brackets() -> None:
    assert [key for key, text in _catalog("en").items() if "(s)" in text] == []
    assert say_count("en", "bot_resumed_lifted", 1).startswith("I lifted 1 mute I imposed")
    assert say_count("en", "bot_resumed_lifted", 2).startswith("I lifted the 2 mutes")
    lifted = [say_count("ru", "bot_resumed_lifted", n).split(",")[0] for n in (1, 3, 5)]
    assert lifted == [
        "Я снял 1 своё ограничение",
        "Я снял 3 своих ограничения",
        "Я снял 5 своих ограничений",
    ]
