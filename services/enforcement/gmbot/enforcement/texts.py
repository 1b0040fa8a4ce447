"""Warnings as members read them, in the group's language, with the owner's own text if set.

Everything substituted is HTML-escaped here: names and titles come from strangers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

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
            "as you do."
        ),
    },
    "ru": {
        "warning": (
            "{user}, чтобы писать в {group}, подпишитесь на {channels} и нажмите «Я подписался»."
        ),
        "joined": "Я подписался",
        "joined_for": "Я подписался ({name})",
        "request": (
            "Чтобы вступить в {group}, сначала подпишитесь на {channels}. Заявка будет "
            "одобрена, как только вы подпишетесь."
        ),
    },
}
MAX_MEMBERS_PER_WARNING = 8


@dataclass(frozen=True)
class Warned:
    user_id: int
    name: str


def _catalog(language: str) -> dict[str, str]:
    return _TEXTS.get(language, _TEXTS["en"])


def mention(member: Warned) -> str:
    return (
        f'<a href="tg://user?id={member.user_id}">{escape(member.name or str(member.user_id))}</a>'
    )


def _fill(template: str, user: str, group: str, channels: str) -> str:
    # str.format would choke on a literal brace the owner wrote; replace only our placeholders.
    return (
        template.replace("{user}", user).replace("{group}", group).replace("{channels}", channels)
    )


def warning_text(spec: dict[str, Any], members: Sequence[Warned]) -> str:
    names = ", ".join(b["text"] for b in spec.get("join_buttons", [])) or "—"
    user = ", ".join(mention(m) for m in members)
    group = escape(spec.get("group_title") or "")
    custom = spec.get("custom_text") or ""
    template = escape(custom) if custom else _catalog(spec.get("language", "en"))["warning"]
    return _fill(template, user, group, escape(names))


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
            else catalog["joined_for"].format(name=member.name[:24])
        )
        data = sign(signing_key, VerifyButton(group_id=group_id, user_id=member.user_id))
        rows.append([{"text": f"✅ {label}", "callback_data": data}])
    return {"inline_keyboard": rows}


def request_notice(spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What a join requester is told in private, with the join buttons."""
    names = ", ".join(b["text"] for b in spec.get("join_buttons", [])) or "—"
    text = _fill(
        _catalog(spec.get("language", "en"))["request"],
        "",
        escape(spec.get("group_title") or ""),
        escape(names),
    )
    rows = [
        [{"text": b["text"], "url": b["url"]}] for b in spec.get("join_buttons", []) if b.get("url")
    ]
    return text, {"inline_keyboard": rows}
