"""A group's figures as enforcement counts them (its ledger and the gateway's activity), in the
gateway's terms: what /stats and the Mini App show."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gmbot.v1 import enforcement_pb2 as pb


@dataclass(frozen=True)
class ChannelFunnel:
    """A channel's funnel in a group over a window: the members warned without it, their joins
    through the group's GMBot link, and what became of them (retention: of those who joined a
    span as long as the window 7 or 30 days back, who did not leave within 7 or 30 days)."""

    members_warned: int
    members_joined_through_gmbot: int
    members_unmuted: int
    joined_7_days_before: int
    still_following_7_days: int
    joined_30_days_before: int
    still_following_30_days: int


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
    # Joins GMBot's own invite links brought, in all, and each channel's funnel by channel id.
    members_joined_through_gmbot: int
    channels: dict[int, ChannelFunnel]


@dataclass(frozen=True)
class GroupStats:
    last_day: GroupFigures
    last_week: GroupFigures
    last_month: GroupFigures
    currently_muted: int


_COUNTS = [f.name for f in fields(GroupFigures) if f.name != "channels"]
_FUNNEL = [f.name for f in fields(ChannelFunnel)]


def _figures(figures: pb.GroupFigures) -> GroupFigures:
    return GroupFigures(
        **{name: getattr(figures, name) for name in _COUNTS},
        channels={
            c.channel_id: ChannelFunnel(**{name: getattr(c, name) for name in _FUNNEL})
            for c in figures.channels
        },
    )


def stats_from(answer: pb.GetGroupStatsResponse) -> GroupStats:
    return GroupStats(
        _figures(answer.last_day),
        _figures(answer.last_week),
        _figures(answer.last_month),
        answer.currently_muted,
    )
