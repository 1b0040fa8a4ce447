"""/stats: a group's figures over the last 24 hours and 7 days, from what enforcement records
(its ledger and the gateway's activity counters). It leads with what an owner asks first, how
many joined the channels because of GMBot, then each channel's funnel: members warned without
it, joins through GMBot's buttons, unmuted, and how many still follow 7 and 30 days later; the
rest sits behind "Details". (What GMBot spends of the Bot API is the operators' concern: their
metrics count it.)"""

from __future__ import annotations

from gmbot.gateway.clients.group_stats import GroupFigures
from gmbot.gateway.flows.admin_checks import channel_name
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.muted import title_of
from gmbot.gateway.flows.replies import Button, Reply
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.texts import say, say_count

# Callback data of the figures' buttons: "stats:<group id>" (the summary), ":d" after it for
# the details. Only the group's administrators' presses are answered with figures.
PREFIX = "stats:"
DETAILS = "d"

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


def kept(following: int, cohort: int) -> str:
    """Who still followed, of a retention cohort ("—" for none yet)."""
    return f"{following}/{cohort}" if cohort else "—"


async def channel_lines(
    ctx: FlowContext, language: str, group_id: int, week: GroupFigures
) -> list[str]:
    """A line per required channel with members warned without it, joins through GMBot's
    buttons or a retention cohort: its funnel, warned → joined → unmuted → still following."""
    if not week.channels:
        return []
    policy = await ctx.policies.get(group_id)
    channels = policy.channels if policy is not None else ()
    return [
        say_count(
            language,
            "stats_channel",
            funnel.members_warned,
            channel=channel_name(channel),
            joined=funnel.members_joined_through_gmbot,
            unmuted=funnel.members_unmuted,
            week=kept(funnel.still_following_7_days, funnel.joined_7_days_before),
            month=kept(funnel.still_following_30_days, funnel.joined_30_days_before),
        )
        for channel in channels
        if (funnel := week.channels.get(channel.channel_id)) is not None
    ]


def _value(language: str, figures: GroupFigures, name: str) -> str:
    if name == "members_joined":
        joined, warned = figures.members_joined_after_warning, figures.members_warned
        return say(language, "stats_conversion", count=joined, percent=conversion(joined, warned))
    return str(getattr(figures, name))


async def stats_of(
    ctx: FlowContext, group_id: int, title: str, language: str, *, details: bool = False
) -> Reply:
    answer = await ctx.clients.enforcement.group_stats(group_id)
    day, week = answer.last_day, answer.last_week
    muted_now = say_count(language, "stats_muted_now", answer.currently_muted)
    if not details:
        lines = [
            say(language, "stats_title", title=title),
            say_count(
                language,
                "stats_lead",
                week.members_joined_after_warning,
                day=day.members_joined_after_warning,
            ),
            *await channel_lines(ctx, language, group_id, week),
            muted_now,
        ]
        more = Button(say(language, "button_details"), data=f"{PREFIX}{group_id}:{DETAILS}")
        return Reply("\n".join(lines), ((more,),))

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
    lines.append(muted_now)
    if any(getattr(week, name) for name in _OBSERVED):
        lines.append("")
        lines.append(say(language, "stats_observed_header"))
        lines += [line(name) for name in _OBSERVED]
    back = Button(say(language, "button_back"), data=f"{PREFIX}{group_id}")
    return Reply("\n".join(lines), ((back,),))


async def press(ctx: FlowContext, data: str, user_id: int, language: str | None) -> Reply | None:
    """A figures button pressed by `user_id` (in a group, `language` None: the group's);
    None when the data is not ours or the presser does not administer the group."""
    group, _, view = data.removeprefix(PREFIX).partition(":")
    if not data.startswith(PREFIX) or not group.lstrip("-").isdigit() or view not in ("", DETAILS):
        return None
    group_id = int(group)
    if not await is_admin(ctx, group_id, user_id):
        return None
    policy = await ctx.policies.get(group_id)
    if language is None:
        language = policy.settings.language if policy is not None else "en"
    title = title_of(policy, group_id)
    return await stats_of(ctx, group_id, title, language, details=view == DETAILS)
