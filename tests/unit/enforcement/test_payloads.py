"""Typed payloads and the ledger's JSON column: rows written before the payloads were typed still
read, and what is written keeps the column's shape."""

from __future__ import annotations

from typing import Any

import pytest

from gmbot.enforcement.domain.actions import (
    PAYLOAD_TYPES,
    Ban,
    BanSenderChat,
    DecideJoinRequest,
    Enforce,
    ExpireWarning,
    JoinButton,
    JoinDecision,
    Kick,
    Kind,
    MemberAction,
    Payload,
    Release,
    RenewMute,
    Unban,
    WarningSpec,
)
from gmbot.enforcement.storage.payloads import dump_payload, load_payload

SPEC = {
    "language": "ru",
    "custom_text": "",
    "user_display_name": "Mallory",
    "group_title": "Chat",
    "join_buttons": [{"text": "News", "url": "https://t.me/news"}],
    "ttl_seconds": 300,
    "message_thread_id": 7,
}
TYPED_SPEC = WarningSpec(
    language="ru",
    user_display_name="Mallory",
    group_title="Chat",
    join_buttons=(JoinButton("News", "https://t.me/news"),),
    ttl_seconds=300,
    message_thread_id=7,
)

# (kind, JSON as the untyped ledger wrote it, the typed payload it reads as)
ROWS_BEFORE_TYPES: list[tuple[Kind, dict[str, Any], Payload]] = [
    (
        Kind.ENFORCE,
        {"action": "mute", "message_id": 12, "warning": SPEC, "kick_after_minutes": 5},
        Enforce(MemberAction.MUTE, 12, TYPED_SPEC, 5),
    ),
    (
        Kind.ENFORCE,
        {"action": "delete_only", "message_id": 0, "warning": None, "kick_after_minutes": 0},
        Enforce(MemberAction.DELETE_ONLY),
    ),
    (Kind.RELEASE, {}, Release()),
    (Kind.KICK, {}, Kick()),
    (Kind.KICK, {"only_if_restricted": True}, Kick(only_if_restricted=True)),
    (Kind.BAN, {"until": 1_900_000_000}, Ban(1_900_000_000)),
    (Kind.UNBAN, {}, Unban()),
    (
        Kind.BAN_SENDER_CHAT,
        {"sender_chat_id": -1002, "message_id": 3, "ban": True},
        BanSenderChat(-1002, 3, True),
    ),
    (Kind.JOIN_REQUEST, {"decision": "approve"}, DecideJoinRequest(JoinDecision.APPROVE)),
    (
        Kind.JOIN_REQUEST,
        {"decision": "wait", "user_chat_id": 5, "notice": SPEC},
        DecideJoinRequest(JoinDecision.WAIT, user_chat_id=5, notice=TYPED_SPEC),
    ),
    (
        Kind.JOIN_REQUEST,
        {"decision": "decline", "only_if_waiting": True},
        DecideJoinRequest(JoinDecision.DECLINE, only_if_waiting=True),
    ),
    (Kind.EXPIRE_WARNING, {"message_id": 44}, ExpireWarning(44)),
    (Kind.RENEW_MUTE, {"until": 1_800_000_000}, RenewMute(1_800_000_000)),
]


@pytest.mark.parametrize(("kind", "stored", "typed"), ROWS_BEFORE_TYPES)
def test_rows_written_before_the_types_read_as_typed_payloads(
    kind: Kind, stored: dict[str, Any], typed: Payload
) -> None:
    assert load_payload(kind, stored) == typed
    assert typed.kind is kind


@pytest.mark.parametrize(("kind", "stored", "typed"), ROWS_BEFORE_TYPES)
def test_what_is_written_keeps_the_columns_shape_and_reads_back(
    kind: Kind, stored: dict[str, Any], typed: Payload
) -> None:
    written = dump_payload(typed)

    assert _keeps(stored, written)  # every key old readers knew, with its value
    assert load_payload(kind, written) == typed


def _keeps(old: Any, new: Any) -> bool:
    """`new` holds `old`: a nested object may have gained keys (a field added later, which old
    readers ignore), never lost or changed one."""
    if isinstance(old, dict) and isinstance(new, dict):
        return all(key in new and _keeps(value, new[key]) for key, value in old.items())
    if isinstance(old, list) and isinstance(new, list):  # a list of objects, each as above
        return len(old) == len(new) and all(_keeps(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new)


def test_every_kind_has_one_payload_type() -> None:
    assert set(PAYLOAD_TYPES) == set(Kind)
    assert all(payload.kind is kind for kind, payload in PAYLOAD_TYPES.items())


def test_a_coalesced_warning_gets_every_members_buttons_once() -> None:
    other = WarningSpec(
        join_buttons=(JoinButton("News", "https://t.me/news"), JoinButton("B", "https://t.me/b"))
    )

    merged = TYPED_SPEC.with_buttons_of(other)

    assert [b.url for b in merged.join_buttons] == ["https://t.me/news", "https://t.me/b"]
