"""The owners' /stats as values: the gateway's hourly counters, one window's figures, and one
channel's funnel of the joins GMBot's links brought."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    group_id: int
    hour: int
    messages_checked: int = 0
    joins_checked: int = 0
    bot_api_calls: int = 0


@dataclass(frozen=True)
class Figures:
    messages_checked: int = 0
    joins_checked: int = 0
    members_warned: int = 0
    members_muted: int = 0
    members_joined_after_warning: int = 0
    unmuted_by_button: int = 0
    unmuted_by_joining: int = 0
    unmuted_by_admins: int = 0
    members_kicked: int = 0
    join_requests_approved: int = 0
    join_requests_declined: int = 0
    bot_api_calls: int = 0
    observed_members_muted: int = 0
    observed_members_warned: int = 0
    observed_members_kicked: int = 0
    observed_messages_deleted: int = 0
    members_joined_through_gmbot: int = 0


# How long after joining a member still following counts as retained: a week, a month.
RETENTION_DAYS = (7, 30)


@dataclass(frozen=True)
class ChannelFunnel:
    """A channel's funnel in a group in a window: the members warned while lacking it, their
    joins through the group's GMBot link, how many GMBot then unmuted, and retention. A
    retention cohort is the members who joined in a span as long as the window that ended 7
    (30) days ago; retained, those who did not leave within 7 (30) days of joining."""

    members_warned: int = 0
    members_joined_through_gmbot: int = 0
    members_unmuted: int = 0
    joined_7_days_before: int = 0
    still_following_7_days: int = 0
    joined_30_days_before: int = 0
    still_following_30_days: int = 0
