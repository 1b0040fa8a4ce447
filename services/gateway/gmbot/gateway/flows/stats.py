"""/stats: a group's figures over the last 24 hours and 7 days, from what enforcement records
(its ledger and the gateway's activity counters)."""

from __future__ import annotations

from gmbot.gateway.backends import call
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement

# The figures, in the order owners read them (GroupFigures' fields).
_LINES = (
    "messages_checked",
    "joins_checked",
    "members_warned",
    "members_muted",
    "members_joined",
    "unmuted_by_button",
    "unmuted_by_joining",
    "unmuted_by_admins",
    "members_kicked",
    "join_requests_approved",
    "join_requests_declined",
    "bot_api_calls",
)
_OBSERVED = (
    "observed_members_muted",
    "observed_members_warned",
    "observed_members_kicked",
    "observed_messages_deleted",
)


def conversion(joined: int, warned: int) -> str:
    """Who joined the channels after a warning, as a share of those warned."""
    return f"{round(100 * joined / warned)} %" if warned else "—"


def _value(language: str, figures: enforcement.GroupFigures, name: str) -> str:
    if name == "members_joined":
        joined, warned = figures.members_joined_after_warning, figures.members_warned
        return say(language, "stats_conversion", count=joined, percent=conversion(joined, warned))
    return str(getattr(figures, name))


async def stats_of(ctx: FlowContext, group_id: int, title: str, language: str) -> Reply:
    answer = await call(
        "enforcement",
        ctx.backends.enforcement.GetGroupStats(enforcement.GetGroupStatsRequest(group_id=group_id)),
    )
    day, week = answer.last_day, answer.last_week

    def line(name: str) -> str:
        return say(
            language,
            "stats_line",
            label=say(language, f"stats_{name}"),
            day=_value(language, day, name),
            week=_value(language, week, name),
        )

    lines = [say(language, "stats_header", title=title)]
    lines += [line(name) for name in _LINES]
    lines.append(say(language, "stats_now_muted", count=answer.currently_muted))
    if any(getattr(week, name) for name in _OBSERVED):
        lines.append("")
        lines.append(say(language, "stats_observed_header"))
        lines += [line(name) for name in _OBSERVED]
    return Reply("\n".join(lines))
