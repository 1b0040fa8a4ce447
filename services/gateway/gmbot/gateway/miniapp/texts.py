"""The page's words, in the viewer's language (Telegram's language code), from the gateway's
catalogs (keys miniapp_*): plain text, which the page sets as text, never as HTML."""

from __future__ import annotations

from typing import Any

from gmbot.gateway.texts import CATALOGS, keys
from gmbot.runtime.catalogs import RIGHT_TO_LEFT

PREFIX = "miniapp_"
_KEYS = tuple(k for k in keys() if k.startswith(PREFIX))


def page_texts(language: str) -> dict[str, Any]:
    catalog = CATALOGS.get(language, CATALOGS["en"])
    return {
        "language": language,
        "rtl": language in RIGHT_TO_LEFT,
        "texts": {k.removeprefix(PREFIX): catalog.gettext(k) for k in _KEYS},
    }
