"""A group's figures as enforcement counts them (its ledger and the gateway's activity), in the
gateway's terms: what /stats and the Mini App show."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gmbot.v1 import enforcement_pb2 as pb


@dataclass(frozen=True)
class GroupFigures:
    """What happened in a group over a span of hours."""

    hours: int
    messages_checked: int
    joins_checked: int
    members_warned: int
    members_muted: int
    members_joined_after_warning: int
    unmuted_by_button: int
    unmuted_by_joining: int
    unmuted_by_admins: int
    members_kicked: int
    join_requests_approved: int
    join_requests_declined: int
    bot_api_calls: int
    observed_members_muted: int
    observed_members_warned: int
    observed_members_kicked: int
    observed_messages_deleted: int
    # Joins GMBot's own invite links brought, in all and per channel id.
    members_joined_through_gmbot: int
    joined_through_gmbot_by_channel: dict[int, int]


@dataclass(frozen=True)
class GroupStats:
    last_day: GroupFigures
    last_week: GroupFigures
    last_month: GroupFigures
    currently_muted: int


_COUNTS = [f.name for f in fields(GroupFigures) if f.name != "joined_through_gmbot_by_channel"]


def _figures(figures: pb.GroupFigures) -> GroupFigures:
    return GroupFigures(
        **{name: getattr(figures, name) for name in _COUNTS},
        joined_through_gmbot_by_channel={
            c.channel_id: c.members_joined_through_gmbot for c in figures.channels
        },
    )


def stats_from(answer: pb.GetGroupStatsResponse) -> GroupStats:
    return GroupStats(
        _figures(answer.last_day),
        _figures(answer.last_week),
        _figures(answer.last_month),
        answer.currently_muted,
    )
