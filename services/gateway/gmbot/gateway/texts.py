"""What GMBot says to people, in every language it speaks. The texts live in gettext catalogs
(locales/<language>/LC_MESSAGES/gateway.po, message ids are keys); values are HTML, and callers
escape what they substitute (`say` does it for them)."""

from __future__ import annotations

import unicodedata
from html import escape
from pathlib import Path

from gmbot.runtime.catalogs import RIGHT_TO_LEFT, isolated, load_catalogs, message_ids

LOCALES = Path(__file__).parent / "locales"
# The languages GMBot speaks, as tenancy stores them (gettext's locale names).
LANGUAGES = ("en", "ru", "uk", "es", "pt_BR", "fa", "ar", "id", "tr")
# Each language's own name, as the language setting shows it.
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "fa": "فارسی",
    "ar": "العربية",
    "id": "Bahasa Indonesia",
    "tr": "Türkçe",
}
# Telegram's language codes (IETF) of the languages close enough to one we speak.
_CLOSE = {"be": "ru", "kk": "ru", "pt": "pt_BR", "ms": "id"}
# Telegram allows 64 + 64 characters of first and last name and 128 of a chat title; what GMBot
# stores and sends has tighter bounds.
OWNER_NAME_LIMIT = 64  # tenancy's Owner.username
BUTTON_TEXT_LIMIT = 64  # an inline button's text, as enforcement checks it
CHANNEL_TITLE_LIMIT = BUTTON_TEXT_LIMIT  # a channel's title becomes its join button's text
ECHO_LIMIT = 64  # what an owner typed, quoted back in a refusal
MESSAGE_LIMIT = 4096  # a message's text
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, variation selectors


# Plain gettext rather than aiogram's i18n: the flows speak too, and they import no aiogram.
CATALOGS = load_catalogs(LOCALES, "gateway")


def keys() -> list[str]:
    """Every text GMBot's gateway says: the keys of the English catalog."""
    return list(message_ids(LOCALES / "en" / "LC_MESSAGES" / "gateway.po"))


def say(language: str, key: str, **values: object) -> str:
    """The text `key` in `language` (English when unknown), with `values` HTML-escaped and, when
    they could reorder the sentence (a right-to-left name, or any name in a right-to-left
    language), isolated.

    Values wrapped in `Html` are inserted as they are.
    """
    language = language if language in CATALOGS else "en"
    return _filled(language, CATALOGS[language].gettext(key), values)


def say_count(language: str, key: str, count: int, **values: object) -> str:
    """`say` for a text about `count` things, in the plural form `count` takes in `language`
    (Russian, Ukrainian and Arabic have several); the text's {count} is filled in too."""
    language = language if language in CATALOGS else "en"
    template = CATALOGS[language].ngettext(key, f"{key}_plural", count)
    return _filled(language, template, {"count": count, **values})


def _filled(language: str, template: str, values: dict[str, object]) -> str:
    rtl = language in RIGHT_TO_LEFT
    return template.format(
        **{
            k: v if isinstance(v, Html) else escape(isolated(str(v), always=rtl))
            for k, v in values.items()
        }
    )


class Html(str):
    """A string that is already HTML (built from escaped parts)."""

    __slots__ = ()


def shorten(text: str, most: int) -> str:
    """`text` in at most `most` characters: cut with an ellipsis, never in the middle of a
    combining sequence (an accent or an emoji's joiner is not left dangling)."""
    text = text.strip()
    if len(text) <= most:
        return text
    end = most - 1
    # Move the cut back while it would split a character from what modifies or joins it.
    while end > 0 and (
        unicodedata.combining(text[end]) or text[end] in _JOINERS or text[end - 1] in _JOINERS
    ):
        end -= 1
    return text[:end].rstrip() + "…"


def fit_lines(language: str, lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """`lines` joined, as many as fit in one message; the rest are counted on a last line."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index
        more = say(language, "groups_more", count=rest) if rest > 1 else ""
        if len("\n".join([*kept, line])) + len(more) + 1 > limit:
            kept.append(say(language, "groups_more", count=rest))
            break
        kept.append(line)
    return "\n".join(kept)


def button_text(*candidates: str) -> str:
    """The first non-blank candidate as an inline button's text (a channel's title, then its
    username), short enough for Telegram."""
    for candidate in candidates:
        if candidate.strip():
            return shorten(candidate, BUTTON_TEXT_LIMIT)
    return "channel"


def language_of(code: str | None) -> str:
    """A user's Telegram language code ("pt-br", "uk") to one of ours; English otherwise."""
    return spoken(code) or "en"


def spoken(code: str | None) -> str | None:
    """A user's Telegram language code to one of ours; None when GMBot does not speak it."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in LANGUAGES:
        return base
    return _CLOSE.get(base)
