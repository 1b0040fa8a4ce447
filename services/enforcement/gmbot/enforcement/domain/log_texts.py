"""A log chat's messages: GMBot's actions in the groups that report there, each line with the
member, what was done and why, and an Undo button under it that only an administrator of *that
group* may press (a signed owner button; the gateway answers it). Each group's lines are in the
group's language, under a header that names the group (one log chat may serve several groups).
A message holds as many lines as fit in what Telegram allows in one: 4096 characters, and here
at most MAX_LINES buttons (Telegram takes 100)."""

from __future__ import annotations

from collections.abc import Sequence

from gmbot.enforcement.domain.log_lines import LogEvent, LogLine
from gmbot.enforcement.domain.texts import (
    MAX_MESSAGE_LENGTH,
    Button,
    Keyboard,
    Warned,
    mention,
    plural_of,
    shown,
    text_of,
)
from gmbot.runtime.callbacks import (
    LOG_UNDO,
    LOG_UNDO_DELETE,
    LOG_UNDO_KICK,
    OwnerButton,
    sign_owner,
)
from gmbot.runtime.catalogs import RIGHT_TO_LEFT, isolated

# Lines (and so Undo buttons) in one message: a raid of 100 is five messages, each still short
# enough to read.
MAX_LINES = 20
# A stranger's channel title or name is cut to this much in a line, so that a line stays short.
_TITLE_CHARS = 32
_BUTTON_NAME_CHARS = 24
_KEYS = {
    LogEvent.MUTE: "log_muted",
    LogEvent.KICK: "log_kicked",
    LogEvent.DELETE_ONLY: "log_deleted",
    LogEvent.KICK_UNVERIFIED: "log_kicked_unverified",
    LogEvent.RELEASE: "log_released",
    LogEvent.APPROVE: "log_approved",
}
# Why a mute was lifted, said in the line; any other reason reads as log_why_other.
_WHYS = frozenset({"verified", "joined_channel", "unmuted_by_admin", "exempted", "lifted_by_admin"})
# What each line's Undo does (the gateway reads it from the button): lift the mute, or let a
# removed member come back; either way the member is exempted.
_UNDOS = {
    LogEvent.MUTE: LOG_UNDO,
    LogEvent.KICK: LOG_UNDO_KICK,
    LogEvent.DELETE_ONLY: LOG_UNDO_DELETE,
    LogEvent.KICK_UNVERIFIED: LOG_UNDO_KICK,
}


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _line(line: LogLine, n: int) -> str:
    language = line.language
    channels = ", ".join(shown(_cut(c, _TITLE_CHARS), language) for c in line.channels) or "—"
    member = Warned(line.user_id, _cut(line.name, _TITLE_CHARS))
    why = text_of(language, f"log_why_{line.why if line.why in _WHYS else 'other'}")
    text = text_of(language, _KEYS[line.event]).format(
        n=n, user=mention(member, language), channels=channels, why=why
    )
    if not line.undone:
        return text
    # Struck through, and who undid it: the line stays, so the log still says what happened.
    if line.undone_by:
        by = text_of(language, "log_line_undone_by").format(admin=shown(line.undone_by, language))
    else:
        by = text_of(language, "log_line_undone_anonymous")
    return f"<s>{text}</s> {by}"


def undo_button(signing_key: bytes, line: LogLine) -> str:
    """The callback data of the line's Undo (a line that has one: `line.event in _UNDOS`)."""
    return sign_owner(signing_key, OwnerButton(_UNDOS[line.event], line.group_id, line.user_id))


def _undo(line: LogLine, n: int, signing_key: bytes) -> Button:
    language = line.language
    name = isolated(
        _cut(line.name or str(line.user_id), _BUTTON_NAME_CHARS),
        always=language in RIGHT_TO_LEFT,
    )
    # Pressed again once undone, it answers so and changes nothing (the gateway asks the ledger).
    key = "log_undone_button" if line.undone else "log_undo"
    data = undo_button(signing_key, line)
    return Button(text_of(language, key).format(n=n, name=name), callback_data=data)


def _render(lines: Sequence[LogLine], signing_key: bytes) -> tuple[str, Keyboard]:
    """The lines grouped by group (in the order the groups first came), numbered through."""
    groups: dict[int, list[LogLine]] = {}
    for line in lines:
        groups.setdefault(line.group_id, []).append(line)
    parts: list[str] = []
    rows: list[tuple[Button, ...]] = []
    n = 0
    for group_lines in groups.values():
        first = group_lines[0]
        title = f"«{shown(_cut(first.group_title, _TITLE_CHARS * 2), first.language)}»"
        parts.append(plural_of(first.language, "log_header", len(group_lines), group=title))
        for line in group_lines:
            n += 1
            parts.append(_line(line, n))
            if line.event in _UNDOS:
                rows.append((_undo(line, n, signing_key),))
    return "\n".join(parts), tuple(rows)


def log_message(lines: Sequence[LogLine], signing_key: bytes) -> tuple[str, Keyboard, int]:
    """The next message of a log chat: as many of the first `lines` as fit, its text and
    buttons, and how many lines it took (at least one)."""
    taken = min(len(lines), MAX_LINES)
    while True:
        text, keyboard = _render(lines[:taken], signing_key)
        if len(text) <= MAX_MESSAGE_LENGTH or taken == 1:
            return text, keyboard, taken
        taken -= 1
