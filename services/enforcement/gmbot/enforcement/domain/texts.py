"""Warnings as members read them, in the group's language (gettext catalogs in locales/), with
the owner's own text if set.

Names and titles come from strangers. Everything substituted is HTML-escaped here, substituted
once (a member called "{group}" is shown as such, never expanded), and isolated with FSI/PDI
when it holds right-to-left text or direction controls, so it cannot reorder the sentence around
it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from gmbot.enforcement.domain.actions import Enforce, MemberAction
from gmbot.runtime.callbacks import VerifyButton, go_live, sign
from gmbot.runtime.catalogs import RIGHT_TO_LEFT, isolated, load_catalogs

LOCALES = Path(__file__).parent / "locales"
_CATALOGS = load_catalogs(LOCALES, "enforcement")
MAX_MEMBERS_PER_WARNING = 8
# Telegram's limit for a message's text; an owner's text that repeats {user} could pass it.
MAX_MESSAGE_LENGTH = 4096
_PLACEHOLDER = re.compile(r"\{(user|group|channels)\}")


@dataclass(frozen=True)
class Warned:
    user_id: int
    name: str


def _text(language: str, key: str) -> str:
    """Warning text `key` in `language` (English when it is not one GMBot speaks)."""
    return _CATALOGS.get(language, _CATALOGS["en"]).gettext(key)


def _plural(language: str, key: str, count: int) -> str:
    """Text `key` in the form `count` takes in `language`, with {count} filled in."""
    catalog = _CATALOGS.get(language, _CATALOGS["en"])
    return catalog.ngettext(key, f"{key}_plural", count).format(count=count)


def shown(text: str, language: str = "en") -> str:
    """A stranger's name or title, ready to go into HTML (always isolated in a right-to-left
    sentence)."""
    return escape(isolated(text, always=language in RIGHT_TO_LEFT))


def mention(member: Warned, language: str = "en") -> str:
    name = shown(member.name or str(member.user_id), language)
    return f'<a href="tg://user?id={member.user_id}">{name}</a>'


def _fill(template: str, user: str, group: str, channels: str) -> str:
    """Our placeholders replaced in one pass: what they are replaced with is never read again.

    (str.format would choke on a literal brace the owner wrote.)"""
    values = {"user": user, "group": group, "channels": channels}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _channel_names(spec: dict[str, Any]) -> str:
    language = spec.get("language", "en")
    return ", ".join(shown(b["text"], language) for b in spec.get("join_buttons", [])) or "—"


def warning_text(spec: dict[str, Any], members: Sequence[Warned]) -> str:
    language = spec.get("language", "en")
    user = ", ".join(mention(m, language) for m in members)
    group = shown(spec.get("group_title") or "", language)
    channels = _channel_names(spec)
    builtin = _text(language, "warning")
    kick_after = int(spec.get("kick_after_minutes") or 0)
    # The member is told when a kick is scheduled, whoever wrote the warning.
    kick = f"\n{_plural(language, 'kick_notice', kick_after)}" if kick_after else ""
    custom = spec.get("custom_text") or ""
    if custom:
        text = _fill(escape(custom), user, group, channels) + kick
        if len(text) <= MAX_MESSAGE_LENGTH:
            return text
    return _fill(builtin, user, group, channels) + kick


def warning_keyboard(
    spec: dict[str, Any], members: Sequence[Warned], group_id: int, signing_key: bytes
) -> dict[str, Any]:
    language = spec.get("language", "en")
    rows: list[list[dict[str, str]]] = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    if spec.get("private_view_url"):
        # The way out that outlives the warning: the member's own view in private.
        rows.append([{"text": _text(language, "private_view"), "url": spec["private_view_url"]}])
    for member in members:
        label = (
            _text(language, "joined")
            if len(members) == 1
            else _text(language, "joined_for").format(
                name=isolated(member.name[:24], always=language in RIGHT_TO_LEFT)
            )
        )
        data = sign(signing_key, VerifyButton(group_id=group_id, user_id=member.user_id))
        rows.append([{"text": f"✅ {label}", "callback_data": data}])
    return {"inline_keyboard": rows}


def request_notice(
    spec: dict[str, Any], group_id: int, user_id: int, signing_key: bytes
) -> tuple[str, dict[str, Any]]:
    """What a join requester is told in private: the join buttons, and a signed «I have
    joined» that approves the request at once once they have."""
    language = spec.get("language", "en")
    text = _fill(
        _text(language, "request"),
        "",
        shown(spec.get("group_title") or "", language),
        _channel_names(spec),
    )
    rows: list[list[dict[str, str]]] = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    data = sign(signing_key, VerifyButton(group_id=group_id, user_id=user_id))
    rows.append([{"text": f"✅ {_text(language, 'joined')}", "callback_data": data}])
    return text, {"inline_keyboard": rows}


def removal_notice(spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What a member removed for not following the channels is told in private: why, and how
    to come back (the channels' buttons; the removal ends by itself a minute later)."""
    language = spec.get("language", "en")
    text = _fill(
        _text(language, "removed"),
        "",
        f"«{shown(spec.get('group_title') or '', language)}»",
        _channel_names(spec),
    )
    rows = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    return text, {"inline_keyboard": rows}


def observe_digest(language: str, group_title: str, observed: Sequence[tuple[int, Enforce]]) -> str:
    """The owner's digest of observe mode: what GMBot would have done, from the observed
    Enforce actions (with their members)."""
    muted = {user for user, enforce in observed if enforce.action is MemberAction.MUTE}
    kicked = {user for user, enforce in observed if enforce.action is MemberAction.KICK}
    deleted = sum(1 for _, enforce in observed if enforce.message_id)
    channels = dict.fromkeys(
        button.text
        for _, enforce in observed
        if enforce.warning is not None
        for button in enforce.warning.join_buttons
    )
    lines = [
        _text(language, "digest").format(
            group=f"«{shown(group_title, language)}»",
            muted=len(muted),
            kicked=len(kicked),
            deleted=deleted,
        )
    ]
    if channels:
        names = ", ".join(shown(channel, language) for channel in channels)
        lines.append(_text(language, "digest_channels").format(channels=names))
    lines.append(_text(language, "digest_enforce"))
    return "\n".join(lines)


def go_live_keyboard(language: str, group_id: int) -> dict[str, Any]:
    """The digest's one button: enforce from now on (for the group's administrators)."""
    return {
        "inline_keyboard": [
            [{"text": _text(language, "go_live"), "callback_data": go_live(group_id)}]
        ]
    }
