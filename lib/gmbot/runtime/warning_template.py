"""An owner's own warning text: its placeholders, how long it may be, and how it is filled in.
One place for the gateway (which previews it and tells the owner what is wrong before it is
saved) and enforcement (which sends it); tenancy refuses what breaks the same rules."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

PLACEHOLDERS = ("user", "group", "channels")
# tenancy's column for it (tenancy.policy.MAX_WARNING_TEXT_LENGTH).
MAX_LENGTH = 1000
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class Problem:
    """What keeps a text from being saved: `kind` is one of TOO_LONG, UNBALANCED, UNKNOWN;
    `detail` the length or the unknown placeholder."""

    kind: str
    detail: str = ""


TOO_LONG, UNBALANCED, UNKNOWN = "too_long", "unbalanced", "unknown"


def problem(text: str) -> Problem | None:
    """Why tenancy would refuse `text` as the warning, or None."""
    if len(text) > MAX_LENGTH:
        return Problem(TOO_LONG, str(len(text)))
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return Problem(UNBALANCED)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    return Problem(UNKNOWN, unknown[0]) if unknown else None


def fill(template: str, user: str, group: str, channels: str) -> str:
    """Our placeholders replaced in one pass: what they are replaced with is never read again.

    (str.format would choke on a literal brace the owner wrote.)"""
    values = {"user": user, "group": group, "channels": channels}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
