"""Flow 8 in a channel: the bot's own rights in a linked channel change (my_chat_member there).

Removed, or no longer an administrator, the bot cannot see who follows the channel: whoever
hears the alerts of a group linked to it (flows/alerts.py) is told in private at once (which
channel, what is wrong, how to fix it), /status there shows it, and nobody is muted for that
channel meanwhile (its answers are unknown). Rights back: they are told it works again. Added to
a channel: the person who added it (if they have started the bot) is told how to link it to a
group.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.domain.choices import ChannelRights
from gmbot.gateway.flows import alerts
from gmbot.gateway.flows.admin_checks import CHANNEL_PROBLEMS
from gmbot.gateway.flows.bot_status import BotStatus, Notice
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.setup import protect_link
from gmbot.gateway.texts import Html, language_of, say


@dataclass(frozen=True)
class ChannelChat:
    channel_id: int
    title: str
    username: str

    @property
    def name(self) -> str:
        return f"@{self.username}" if self.username else self.title


def rights_in(channel: ChannelChat, status: BotStatus) -> ChannelRights:
    """What the bot may do in the channel, from its membership there."""
    if not status.present:
        return ChannelRights.REMOVED
    if status.status not in {"administrator", "creator"}:
        return ChannelRights.NOT_ADMIN
    if status.status == "administrator" and "can_invite_users" not in status.rights:
        if channel.username:  # members still join by its public link, just not counted
            return ChannelRights.NO_ATTRIBUTION
        return ChannelRights.NO_INVITE_LINKS  # a private channel needs invite links
    return ChannelRights.OK


async def on_bot_channel_status(
    ctx: FlowContext,
    channel: ChannelChat,
    actor: Person | None,
    old: BotStatus,
    new: BotStatus,
) -> list[Notice]:
    rights = rights_in(channel, new)
    recorded = await ctx.clients.tenancy.record_channel_rights(channel.channel_id, rights)
    notices: list[Notice] = []
    # Only counting changed (public channel, «Invite users via link»): /status and /check say
    # so; members are checked as before, so nobody is alerted.
    counting_only = {rights, rights_in(channel, old)} <= _CHECKING
    if recorded.changed and counting_only:
        await _refresh_policies(ctx, recorded.group_ids)
    elif recorded.changed:
        notices += await _tell_owners(ctx, channel, rights, recorded.group_ids)
    added = new.present and not old.present
    if added and not recorded.group_ids and actor is not None and not actor.is_bot:
        language = language_of(actor.language_code)
        reference = channel.name if channel.username else str(channel.channel_id)
        notices.append(
            Notice(
                actor.user_id,
                say(
                    language,
                    "channel_added",
                    channel=channel.name,
                    reference=reference,
                    link=Html(protect_link(ctx.bot_username)),
                ),
            )
        )
    return notices


_CHECKING = frozenset({ChannelRights.OK, ChannelRights.NO_ATTRIBUTION})


async def _refresh_policies(ctx: FlowContext, group_ids: list[int]) -> None:
    for group_id in group_ids:
        await ctx.policies.changed(group_id, await ctx.clients.tenancy.group_policy(group_id))


async def _tell_owners(
    ctx: FlowContext,
    channel: ChannelChat,
    rights: ChannelRights,
    group_ids: list[int],
) -> list[Notice]:
    """One message per person who hears the groups' alerts, naming their groups that require
    the channel."""
    owners: dict[int, tuple[str, list[str]]] = {}
    for group_id in group_ids:
        policy = await ctx.clients.tenancy.group_policy(group_id)
        # Every replica drops its copy: the channel's answers change meaning at once.
        await ctx.policies.changed(group_id, policy)
        if not policy.enabled:
            continue
        for user in await alerts.recipients(ctx, policy):
            _, titles = owners.setdefault(user, (policy.settings.language, []))
            titles.append(f"«{policy.title or group_id}»")
    notices = []
    problem = CHANNEL_PROBLEMS.get(rights)
    for owner, (language, titles) in owners.items():
        groups = ", ".join(titles)
        if problem is None:
            text = say(language, "channel_back", channel=channel.name, groups=groups)
        else:
            text = say(
                language,
                "channel_lost",
                channel=channel.name,
                groups=groups,
                problem=say(language, f"channel_problem_{problem}"),
                fix=say(language, f"channel_fix_{problem}"),
            )
        notices.append(Notice(owner, text))
    return notices
