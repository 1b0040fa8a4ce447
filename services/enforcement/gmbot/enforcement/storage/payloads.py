"""The one place an action's payload becomes JSON (the ledger's `request` column) and back."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from gmbot.enforcement.domain.actions import PAYLOAD_TYPES, Action, Kind, Payload, State
from gmbot.enforcement.storage.models import ActionRow

# The JSON column holds each payload as its fields by name (the shape the ledger always had).
_CODECS: dict[Kind, TypeAdapter[Any]] = {
    kind: TypeAdapter(payload) for kind, payload in PAYLOAD_TYPES.items()
}


def dump_payload(payload: Payload) -> dict[str, Any]:
    data: dict[str, Any] = _CODECS[payload.kind].dump_python(payload, mode="json")
    return data


def load_payload(kind: Kind, data: dict[str, Any]) -> Payload:
    payload: Payload = _CODECS[kind].validate_python(data)
    return payload


def action_of(row: ActionRow) -> Action:
    return Action(
        row.action_id,
        row.idempotency_key,
        State(row.state),
        row.group_id,
        row.user_id,
        row.reason,
        load_payload(Kind(row.kind), row.request),
        row.attempts,
        row.warning_message_id,
        row.created_at,
    )
