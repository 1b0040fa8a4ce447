"""The owners' /stats as values: the gateway's hourly counters, and one window's figures."""

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
