"""Texts in gettext catalogs: each package ships `locales/<language>/LC_MESSAGES/<domain>.po`, and
they are compiled in memory when loaded, so an installed (non-editable, read-only) distribution
needs no build step and no .mo files.

Message ids are keys ("start", "warning"); the English catalog holds the source texts, and every
other language falls back to English for a key it lacks (a test fails when one does)."""

from __future__ import annotations

import gettext
import unicodedata
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
# Written right to left: every substituted name or link is isolated in their texts.
RIGHT_TO_LEFT = frozenset({"fa", "ar"})
# First strong isolate ... pop directional isolate (Unicode bidirectional algorithm, UAX #9).
FSI, PDI = "\u2068", "\u2069"
# Isolate controls inside a name could close our isolate early; they are dropped.
_ISOLATE_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
_DIRECTIONAL = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF"})


def compile_po(po_file: Path) -> gettext.GNUTranslations:
    """One .po file as gettext translations, compiled in memory."""
    with po_file.open("rb") as source:
        catalog = read_po(source)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def load_catalogs(locales: Path, domain: str) -> dict[str, gettext.GNUTranslations]:
    """Every language under `locales`, each falling back to the source language."""
    found = {
        directory.name: compile_po(directory / "LC_MESSAGES" / f"{domain}.po")
        for directory in sorted(locales.iterdir())
        if (directory / "LC_MESSAGES" / f"{domain}.po").exists()
    }
    source = found[SOURCE_LANGUAGE]
    for language, translations in found.items():
        if language != SOURCE_LANGUAGE:
            translations.add_fallback(source)
    return found


def message_ids(po_file: Path) -> dict[str, str]:
    """The keys of one .po file with their (possibly empty) texts: what the tests compare. A
    text with plural forms stands as its first form, or empty when any form is."""
    with po_file.open("rb") as source:
        catalog = read_po(source)
    return {
        str(m.id if isinstance(m.id, str) else m.id[0]): _first(m.string) for m in catalog if m.id
    }


def plural_forms(po_file: Path) -> tuple[int, dict[str, int]]:
    """How many plural forms the language has, and how many each text with plural forms
    gives: what the tests compare."""
    with po_file.open("rb") as source:
        catalog = read_po(source)
    return catalog.num_plurals, {
        str(m.id[0]): len(m.string or ()) for m in catalog if m.id and m.pluralizable
    }


def _first(string: str | tuple[str, ...] | list[str] | None) -> str:
    if string is None or isinstance(string, str):
        return string or ""
    return string[0] if string and all(string) else ""


def isolated(text: str, always: bool = False) -> str:
    """`text` wrapped in FSI/PDI when it holds right-to-left letters or direction controls (or
    `always`, inside a right-to-left sentence), so it cannot reorder the sentence around it."""
    text = text.translate(_ISOLATE_CONTROLS)
    if always or any(unicodedata.bidirectional(char) in _DIRECTIONAL for char in text):
        return f"{FSI}{text}{PDI}"
    return text
