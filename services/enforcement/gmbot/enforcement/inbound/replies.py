"""The domain's answers as the contract spells them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.enforcement.domain.actions import Kind, State
from gmbot.enforcement.domain.ports import ActionRecord, Restriction
from gmbot.enforcement.domain.queries import GroupStats, StatsWindow
from gmbot.runtime.timestamps import to_timestamp
from gmbot.v1 import enforcement_pb2 as pb

_KINDS = {kind: pb.ActionKind.Value(f"ACTION_KIND_{kind.name}") for kind in Kind}
_STATES = {
    State.PENDING: pb.ACTION_STATE_PENDING,
    State.RUNNING: pb.ACTION_STATE_PENDING,
    State.DONE: pb.ACTION_STATE_DONE,
    State.FAILED: pb.ACTION_STATE_FAILED,
    State.SKIPPED: pb.ACTION_STATE_SKIPPED,
    State.OBSERVED: pb.ACTION_STATE_OBSERVED,
}
_REASON_NUMBERS = {
    value.name.removeprefix("ACTION_REASON_").lower(): pb.ActionReason.ValueType(value.number)
    for value in pb.ActionReason.DESCRIPTOR.values
}


def _reason_number(reason: str) -> pb.ActionReason.ValueType:
    return _REASON_NUMBERS.get(reason, pb.ACTION_REASON_UNSPECIFIED)


def _timestamp(value: datetime | None) -> Timestamp:
    stamp = Timestamp()
    if value is not None:
        stamp.FromDatetime(value)
    return stamp


def restriction(row: Restriction) -> pb.GroupRestriction:
    return pb.GroupRestriction(
        user_id=row.user_id,
        display_name=row.display_name,
        reason=_reason_number(row.reason),
        since=to_timestamp(row.imposed_at),
        until=to_timestamp(float(row.until_date)),
    )


def figures(window: StatsWindow) -> pb.GroupFigures:
    channels = [
        pb.ChannelFigures(channel_id=channel, **asdict(funnel))
        for channel, funnel in window.channels.items()
    ]
    return pb.GroupFigures(hours=window.hours, **asdict(window.figures), channels=channels)


def record(row: ActionRecord) -> pb.ActionRecord:
    return pb.ActionRecord(
        action_id=row.action_id,
        idempotency_key=row.idempotency_key,
        kind=_KINDS[Kind(row.kind)],
        state=_STATES[State(row.state)],
        group_id=row.group_id,
        user_id=row.user_id,
        reason=_reason_number(row.reason),
        warning_message_id=row.warning_message_id or 0,
        error=row.error or "",
        created_at=_timestamp(row.created_at),
        finished_at=_timestamp(row.finished_at) if row.finished_at else None,
        telegram_calls=row.telegram_calls,
    )


def stats(answer: GroupStats) -> pb.GetGroupStatsResponse:
    return pb.GetGroupStatsResponse(
        last_day=figures(answer.windows[24]),
        last_week=figures(answer.windows[168]),
        currently_muted=answer.currently_muted,
        last_month=figures(answer.windows[720]),
    )
