"""What a flow answers with: a text, and inline buttons under it (rendered by the routers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from gmbot.runtime.callbacks import OwnerButton, sign_owner


@dataclass(frozen=True)
class Button:
    text: str
    # Signed callback data, or a URL.
    data: str = ""
    url: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    rows: tuple[tuple[Button, ...], ...] = ()


def owner_button(key: bytes, text: str, action: str, group_id: int, value: int) -> Button:
    """A button that only the group's administrators may press."""
    return Button(text, data=sign_owner(key, OwnerButton(action, group_id, value)))


def mention(user_id: int, name: str) -> str:
    """A member by name, linked to their profile (HTML, escaped)."""
    return f'<a href="tg://user?id={user_id}">{escape(name or str(user_id))}</a>'


def when(seconds: float) -> str:
    """A moment as owners read it: 2026-11-28 14:05 UTC."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
