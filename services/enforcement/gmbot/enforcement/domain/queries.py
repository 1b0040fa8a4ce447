"""The read side, and the counters the gateway hands in: each function one use case, in one
transaction of its own (the servicer only translates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.ports import ActionRecord, Ledger, Restriction, Stores
from gmbot.enforcement.domain.stats import Activity, ChannelFunnel, Figures

# The windows of the owners' /stats: a day, a week, a month.
STATS_HOURS = (24, 168, 720)


@dataclass(frozen=True)
class StatsWindow:
    hours: int
    figures: Figures
    # Each channel's joins through GMBot's invite link, and what became of them.
    channels: dict[int, ChannelFunnel]


@dataclass(frozen=True)
class GroupStats:
    windows: dict[int, StatsWindow]
    currently_muted: int


@dataclass(frozen=True)
class GroupBoard:
    """What the owners' dashboard shows of a group: its figures, the first muted members (the
    stats' currently_muted is their total) and the latest actions."""

    stats: GroupStats
    muted: Sequence[Restriction]
    actions: Sequence[ActionRecord]


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
    await ledger.write(lambda stores: stores.activity.add(entries))


async def record_channel_join(
    ledger: Ledger, channel_id: int, user_id: int, invite_link: str, revoked: bool = False
) -> int | None:
    """The group whose invite link the member joined the channel through (None: not GMBot's).
    A join ends the member's pending request there; a link Telegram names revoked is asked
    about again before the buttons use it next."""
    async with ledger.transaction() as stores:
        group_id = await stores.invite_links.group_of(channel_id, invite_link)
        if group_id is not None:
            await stores.channel_joins.record(group_id, channel_id, user_id, now())
            if revoked:
                await stores.invite_links.unchecked(channel_id, invite_link)
        await stores.channel_requests.clear(channel_id, user_id)
    return group_id


async def record_channel_leave(ledger: Ledger, channel_id: int, user_id: int) -> int:
    """The member left the channel: how many of their joins through GMBot's links it ended."""
    async with ledger.transaction() as stores:
        return await stores.channel_joins.record_leave(channel_id, user_id, now())


async def _stats(stores: Stores, group_id: int, currently_muted: int) -> GroupStats:
    """The group's windows: two statements, however many windows and channels."""
    moment = now()
    spans = [timedelta(hours=hours) for hours in STATS_HOURS]
    figures = await stores.stats.figures(group_id, [moment - span for span in spans])
    funnels = await stores.channel_joins.funnel(group_id, moment, spans)
    windows = {
        hours: StatsWindow(hours, window, channels)
        for hours, window, channels in zip(STATS_HOURS, figures, funnels, strict=True)
    }
    return GroupStats(windows, currently_muted)


async def group_stats(ledger: Ledger, group_id: int) -> GroupStats:
    async with ledger.transaction() as stores:
        _, muted = await stores.restrictions.page_of_group(group_id, 0, 1)
        return await _stats(stores, group_id, muted)


async def group_board(
    ledger: Ledger, group_id: int, muted_limit: int, actions_limit: int
) -> GroupBoard:
    """The dashboard's read of a group: one transaction, a fixed number of statements."""
    async with ledger.transaction() as stores:
        muted, total = await stores.restrictions.page_of_group(group_id, 0, muted_limit)
        actions = await stores.actions.recent(group_id, actions_limit)
        stats = await _stats(stores, group_id, total)
    return GroupBoard(stats, muted, actions)
