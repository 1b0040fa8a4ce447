"""The read side, and the counters the gateway hands in: each function one use case, in one
transaction of its own (the servicer only translates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.ports import ActionRecord, Ledger, Restriction
from gmbot.enforcement.domain.stats import Activity, Figures

# The windows of the owners' /stats: a day, a week, a month.
STATS_HOURS = (24, 168, 720)


@dataclass(frozen=True)
class StatsWindow:
    hours: int
    figures: Figures
    # Members who joined each channel through GMBot's invite link.
    joined_by_channel: dict[int, int]


@dataclass(frozen=True)
class GroupStats:
    windows: dict[int, StatsWindow]
    currently_muted: int


async def recent_actions(ledger: Ledger, group_id: int, limit: int) -> Sequence[ActionRecord]:
    async with ledger.transaction() as stores:
        return await stores.actions.recent(group_id, limit)


async def restricted_groups(ledger: Ledger, user_id: int) -> tuple[list[int], list[int]]:
    """The groups where GMBot restricts the member, and those where their join request waits."""
    async with ledger.transaction() as stores:
        restricted = await stores.restrictions.groups_of(user_id)
        waiting = await stores.join_requests.waiting_groups(user_id)
    return restricted, waiting


async def group_restrictions(
    ledger: Ledger, group_id: int, offset: int, limit: int
) -> tuple[Sequence[Restriction], int]:
    async with ledger.transaction() as stores:
        return await stores.restrictions.page_of_group(group_id, offset, limit)


async def record_activity(ledger: Ledger, entries: list[Activity]) -> None:
    async with ledger.transaction() as stores:
        await stores.activity.add(entries)


async def record_channel_join(
    ledger: Ledger, channel_id: int, user_id: int, invite_link: str
) -> int | None:
    """The group whose invite link the member joined the channel through (None: not GMBot's)."""
    async with ledger.transaction() as stores:
        group_id = await stores.invite_links.group_of(channel_id, invite_link)
        if group_id is not None:
            await stores.channel_joins.record(group_id, channel_id, user_id)
    return group_id


async def group_stats(ledger: Ledger, group_id: int) -> GroupStats:
    moment = now()
    sinces = [moment - timedelta(hours=hours) for hours in STATS_HOURS]
    async with ledger.transaction() as stores:
        figures = await stores.stats.figures(group_id, sinces)
        joins = await stores.channel_joins.by_channel(group_id, sinces)
        _, muted = await stores.restrictions.page_of_group(group_id, 0, 1)
    windows = {
        hours: StatsWindow(hours, window, by_channel)
        for hours, window, by_channel in zip(STATS_HOURS, figures, joins, strict=True)
    }
    return GroupStats(windows, muted)
