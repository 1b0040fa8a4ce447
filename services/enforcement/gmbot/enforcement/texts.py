"""Warnings as members read them, in the group's language, with the owner's own text if set.

Names and titles come from strangers. Everything substituted is HTML-escaped here, substituted
once (a member called "{group}" is shown as such, never expanded), and isolated with FSI/PDI
when it holds right-to-left text or direction controls, so it cannot reorder the sentence around
it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from gmbot.enforcement.actions import Enforce, MemberAction
from gmbot.runtime.callbacks import VerifyButton, sign

_TEXTS = {
    "en": {
        "warning": (
            "{user}, to write in {group}, please join {channels} and then press «I have joined»."
        ),
        "joined": "I have joined",
        "joined_for": "I have joined ({name})",
        "request": (
            "To join {group}, please join {channels} first. Your request is approved as soon "
            "as you do, or when you press «I have joined»."
        ),
        "digest": (
            "👀 Observe mode in {group}: since my last report I would have muted {muted} "
            "member(s), removed {kicked} and deleted {deleted} message(s). Nothing was done."
        ),
        "digest_channels": "They do not follow: {channels}.",
        "digest_enforce": "When you are ready: <code>/settings mode enforce</code> in the group.",
    },
    "ru": {
        "warning": (
            "{user}, чтобы писать в {group}, подпишитесь на {channels} и нажмите «Я подписался»."
        ),
        "joined": "Я подписался",
        "joined_for": "Я подписался ({name})",
        "request": (
            "Чтобы вступить в {group}, сначала подпишитесь на {channels}. Заявка будет "
            "одобрена, как только вы подпишетесь или нажмёте «Я подписался»."
        ),
        "digest": (
            "👀 Режим наблюдения в {group}: с прошлого отчёта я бы ограничил {muted} "
            "участник(ов), удалил из группы {kicked} и удалил {deleted} сообщени(й). Ничего "
            "не сделано."
        ),
        "digest_channels": "Они не подписаны на: {channels}.",
        "digest_enforce": "Когда будете готовы: <code>/settings mode enforce</code> в группе.",
    },
}
MAX_MEMBERS_PER_WARNING = 8
# Telegram's limit for a message's text; an owner's text that repeats {user} could pass it.
MAX_MESSAGE_LENGTH = 4096
_PLACEHOLDER = re.compile(r"\{(user|group|channels)\}")
# First strong isolate ... pop directional isolate (Unicode bidirectional algorithm, UAX #9).
FSI, PDI = "\u2068", "\u2069"
# Isolate controls inside a name could close our isolate early; they are dropped.
_ISOLATE_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
_DIRECTIONAL = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF"})


@dataclass(frozen=True)
class Warned:
    user_id: int
    name: str


def _catalog(language: str) -> dict[str, str]:
    return _TEXTS.get(language, _TEXTS["en"])


def isolated(text: str) -> str:
    """`text` wrapped in FSI/PDI when it holds right-to-left letters or direction controls."""
    text = text.translate(_ISOLATE_CONTROLS)
    if any(unicodedata.bidirectional(char) in _DIRECTIONAL for char in text):
        return f"{FSI}{text}{PDI}"
    return text


def shown(text: str) -> str:
    """A stranger's name or title, ready to go into HTML."""
    return escape(isolated(text))


def mention(member: Warned) -> str:
    name = shown(member.name or str(member.user_id))
    return f'<a href="tg://user?id={member.user_id}">{name}</a>'


def _fill(template: str, user: str, group: str, channels: str) -> str:
    """Our placeholders replaced in one pass: what they are replaced with is never read again.

    (str.format would choke on a literal brace the owner wrote.)"""
    values = {"user": user, "group": group, "channels": channels}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _channel_names(spec: dict[str, Any]) -> str:
    return ", ".join(shown(b["text"]) for b in spec.get("join_buttons", [])) or "—"


def warning_text(spec: dict[str, Any], members: Sequence[Warned]) -> str:
    user = ", ".join(mention(m) for m in members)
    group = shown(spec.get("group_title") or "")
    channels = _channel_names(spec)
    builtin = _catalog(spec.get("language", "en"))["warning"]
    custom = spec.get("custom_text") or ""
    if custom:
        text = _fill(escape(custom), user, group, channels)
        if len(text) <= MAX_MESSAGE_LENGTH:
            return text
    return _fill(builtin, user, group, channels)


def warning_keyboard(
    spec: dict[str, Any], members: Sequence[Warned], group_id: int, signing_key: bytes
) -> dict[str, Any]:
    catalog = _catalog(spec.get("language", "en"))
    rows: list[list[dict[str, str]]] = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    for member in members:
        label = (
            catalog["joined"]
            if len(members) == 1
            else catalog["joined_for"].format(name=isolated(member.name[:24]))
        )
        data = sign(signing_key, VerifyButton(group_id=group_id, user_id=member.user_id))
        rows.append([{"text": f"✅ {label}", "callback_data": data}])
    return {"inline_keyboard": rows}


def request_notice(
    spec: dict[str, Any], group_id: int, user_id: int, signing_key: bytes
) -> tuple[str, dict[str, Any]]:
    """What a join requester is told in private: the join buttons, and a signed «I have
    joined» that approves the request at once once they have."""
    catalog = _catalog(spec.get("language", "en"))
    text = _fill(
        catalog["request"],
        "",
        shown(spec.get("group_title") or ""),
        _channel_names(spec),
    )
    rows: list[list[dict[str, str]]] = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    data = sign(signing_key, VerifyButton(group_id=group_id, user_id=user_id))
    rows.append([{"text": f"✅ {catalog['joined']}", "callback_data": data}])
    return text, {"inline_keyboard": rows}


def observe_digest(language: str, group_title: str, observed: Sequence[tuple[int, Enforce]]) -> str:
    """The owner's digest of observe mode: what GMBot would have done, from the observed
    Enforce actions (with their members)."""
    catalog = _catalog(language)
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
        catalog["digest"].format(
            group=f"«{shown(group_title)}»",
            muted=len(muted),
            kicked=len(kicked),
            deleted=deleted,
        )
    ]
    if channels:
        lines.append(catalog["digest_channels"].format(channels=", ".join(map(shown, channels))))
    lines.append(catalog["digest_enforce"])
    return "\n".join(lines)
