"""Flow 7: the owners' commands in a group. Only the group's administrators change it; the bot
must hold the rights it needs in the group and in every channel, and the issuer must administer
every channel they link. Every refusal says what to fix.

Who administers the group is read from membership's lists (kept current by chat_member updates),
so a member's command costs no Bot API call; lists are asked of Telegram afresh only where the
answer grants power: the bot's own rights, and the issuer's at /protect."""

from __future__ import annotations

from gmbot.gateway.clients.backends import BackendRefused, NotFound
from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.domain.choices import ChannelRights, GroupMode
from gmbot.gateway.domain.policy import Channel, GroupPolicy, Owner
from gmbot.gateway.domain.settings import GroupSettings
from gmbot.gateway.flows import attribution_rights, channel_requests, own_channels, undo
from gmbot.gateway.flows.admin_checks import (
    CHANNEL_PROBLEMS,
    ChannelInfo,
    ChatLookup,
    GroupCommand,
    Refusal,
    administrators,
    channel_name,
    channel_problem,
    channel_problems,
    group_rights_problems,
    require_admin,
)
from gmbot.gateway.flows.bot_status import resume
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.replies import Button, Reply, mention, owner_button
from gmbot.gateway.texts import (
    CHANNEL_TITLE_LIMIT,
    ECHO_LIMIT,
    LANGUAGE_NAMES,
    OWNER_NAME_LIMIT,
    Html,
    say,
    say_count,
    shorten,
    spoken,
)

MAX_CHANNELS = 10
# A group's policy as its first /protect makes it (tenancy creates groups at version 0).
FIRST_VERSION = 1


def channel_names(channels: list[Channel] | tuple[Channel, ...]) -> str:
    return ", ".join(f"@{c.username}" if c.username else c.title for c in channels)


async def protect(
    ctx: FlowContext, lookup: ChatLookup, command: GroupCommand, references: list[str]
) -> str:
    """/protect in the group: what it did, in the group's language (possibly new)."""
    policy, note = await protect_group(ctx, lookup, command, references)
    language = policy.settings.language or command.language
    done = say(language, "protected", channels=channel_names(list(policy.channels)))
    return "\n".join(line for line in (done, note) if line)


async def protect_group(
    ctx: FlowContext, lookup: ChatLookup, command: GroupCommand, references: list[str]
) -> tuple[GroupPolicy, str]:
    """Every check, then the group protected; with the line saying the group now speaks its
    protector's language ("" when it did not change)."""
    language = command.language
    await require_admin(ctx, command)
    if command.issuer is None:
        raise Refusal(say(language, "anonymous_cannot_link"))
    if not references:
        raise Refusal(say(language, "protect_usage"))
    if len(references) > MAX_CHANNELS:
        raise Refusal(say(language, "too_many_channels", limit=MAX_CHANNELS))
    admins = await administrators(ctx, command.group_id)
    # Linking makes members join the issuer's channels: their rights are confirmed afresh.
    if admins is not None and command.issuer.user_id not in admins:
        raise Refusal(say(language, "only_admins"))
    problems = group_rights_problems(ctx, language, admins)
    found: list[ChannelInfo] = []
    for reference in dict.fromkeys(references):
        channel = await lookup.find(reference)
        # What the owner typed is quoted back short: ten long ones would not fit one message.
        if channel is None:
            problems.append(
                say(language, "channel_not_found", channel=shorten(reference, ECHO_LIMIT))
            )
        elif not channel.is_channel:
            problems.append(say(language, "not_a_channel", channel=shorten(reference, ECHO_LIMIT)))
        else:
            problems += await channel_problems(ctx, language, channel, command.issuer)
            found.append(channel)
    if problems:
        raise Refusal("\n".join(problems))
    channels = [await _with_join_link(ctx, command.group_id, c) for c in found]
    # Its linked channel may speak there (own_channels); unreadable now, it is read again before
    # a channel would be punished.
    group = await lookup.find(str(command.group_id))
    policy = await ctx.clients.tenancy.protect(
        command.group_id,
        command.group_title,
        Owner(
            user_id=command.issuer.user_id,
            username=shorten(command.issuer.display_name, OWNER_NAME_LIMIT),
        ),
        channels,
        group.linked_chat_id if group is not None else 0,
    )
    await ctx.policies.changed(command.group_id, policy)
    if policy.version != FIRST_VERSION:
        return policy, ""  # protected before: the language its owners chose stays
    return await _speak_like(ctx, policy, command.issuer)


async def _speak_like(
    ctx: FlowContext, policy: GroupPolicy, protector: Person
) -> tuple[GroupPolicy, str]:
    """A newly protected group speaks its protector's Telegram language when GMBot speaks it, so
    a Russian owner's group is not answered in English from now on."""
    language = spoken(protector.language_code)
    if language is None or language == policy.settings.language:
        return policy, ""
    spoken_now = await ctx.clients.tenancy.update_settings(
        policy.group_id, GroupSettings(language=language), ["language"]
    )
    await ctx.policies.changed(policy.group_id, spoken_now)
    return spoken_now, say(language, "protected_language", name=LANGUAGE_NAMES[language])


async def _with_join_link(ctx: FlowContext, group_id: int, channel: ChannelInfo) -> Channel:
    """Every channel gets an invite link of its own for this group (never the primary one), so
    the joins its buttons bring are counted. A public channel that does not let GMBot make one
    keeps its public link, and /status says what counting needs."""
    rights = ChannelRights.OK  # /protect has just checked the bot's rights there
    try:
        invite_link = await ctx.clients.channel_joins.invite_link(channel.chat_id, group_id)
    except BackendRefused:
        if not channel.username:
            raise  # a private channel has no other way in: channel_problems told why
        invite_link, rights = "", ChannelRights.NO_ATTRIBUTION
    return Channel(
        channel_id=channel.chat_id,
        # The title becomes the text of the channel's join button, which has a tighter limit.
        title=shorten(channel.title, CHANNEL_TITLE_LIMIT),
        username=channel.username,
        invite_link=invite_link,
        bot_rights=rights,
    )


async def unprotect(ctx: FlowContext, command: GroupCommand) -> str:
    await require_admin(ctx, command)
    try:
        policy = await ctx.clients.tenancy.unprotect(command.group_id)
    except NotFound:
        return say(command.language, "not_protected")
    await ctx.policies.changed(command.group_id, policy)
    # Nothing GMBot imposed outlives the owner's wish to stop.
    await undo.release_group(
        ctx,
        f"u{command.update_id}:unprotect",
        command.group_id,
        Reason.UNPROTECTED,
    )
    return say(command.language, "unprotected")


async def status(ctx: FlowContext, command: GroupCommand, *, for_admins: bool) -> Reply:
    return await status_of(ctx, command.group_id, command.language, for_admins=for_admins)


async def status_of(
    ctx: FlowContext, group_id: int, language: str, *, for_admins: bool = True
) -> Reply:
    """/status: what is required, the mode, what the bot cannot check, and, for administrators
    only, who is exempt (each with a button that checks them again)."""
    policy = await ctx.policies.get(group_id)
    if policy is None:
        return Reply(say(language, "not_protected"))
    names = channel_names(list(policy.channels))
    if not policy.enabled:
        lines = [say(language, "status_off", channels=names)]
    elif policy.suspended_reason:
        lines = [say(language, "status_suspended", reason=policy.suspended_reason)]
    else:
        lines = [say(language, "status_on", channels=names)]
    if policy.settings.mode == GroupMode.OBSERVE:
        lines.append(say(language, "status_mode_observe"))
    lines += [p for p in (channel_problem(language, c) for c in policy.channels) if p]
    lines += attribution_rights.attribution_lines(language, list(policy.channels))
    lines += _may_speak(language, policy)
    exempt = list(policy.settings.exempt_user_ids) if for_admins else []
    if exempt:
        users = Html(", ".join(mention(u, str(u)) for u in exempt))
        lines.append(say(language, "status_exempt", users=users))
    rows: list[tuple[Button, ...]] = [
        (owner_button(ctx.signing_key, say(language, "button_unexempt", user=u), "r", group_id, u),)
        for u in exempt
    ]
    if for_admins:
        approvals, approval_rows = await channel_requests.approval_lines(ctx, policy, language)
        lines += approvals
        rows += approval_rows
    return Reply("\n".join(lines), tuple(rows))


def _may_speak(language: str, policy: GroupPolicy) -> list[str]:
    """Which channels may post in the group unchecked (own_channels), and its linked one."""
    lines = [say(language, "status_may_speak", channels=channel_names(list(policy.channels)))]
    linked = next((c for c in policy.channels if c.channel_id == policy.linked_chat_id), None)
    if linked is not None:
        lines.append(say(language, "status_linked_channel", channel=channel_name(linked)))
    elif policy.linked_chat_id:
        lines.append(say(language, "status_linked_channel_other"))
    return lines


async def check(ctx: FlowContext, lookup: ChatLookup, command: GroupCommand) -> str:
    """Every right the bot lacks, here and in each linked channel; resumes a group whose
    suspension has been fixed."""
    await require_admin(ctx, command)
    policy = await ctx.policies.get(command.group_id)
    if policy is not None:
        await own_channels.linked_chat_now(ctx, lookup, command.group_id)
    extra = (
        ("can_invite_users",) if policy is not None and policy.settings.gate_join_requests else ()
    )
    admins = await administrators(ctx, command.group_id)
    problems = group_rights_problems(ctx, command.language, admins, extra)
    channels = list(policy.channels) if policy is not None else []
    may_invite: dict[int, bool] = {}
    for channel in channels:
        info = ChannelInfo(channel.channel_id, channel.title, channel.username, is_channel=True)
        problems += await channel_problems(ctx, command.language, info, None, may_invite)
    channels = await attribution_rights.recount(ctx, command.group_id, channels, may_invite)
    counting = attribution_rights.attribution_lines(command.language, channels)
    if problems:
        return "\n".join(
            [say(command.language, "check_problems"), *(f"• {p}" for p in problems), *counting]
        )
    lines = [say(command.language, "check_ok", channels=channel_names(channels) or "—"), *counting]
    await _rights_are_back(ctx, command.group_id, channels)
    if policy is not None and policy.enabled and policy.suspended_reason:
        lifted = await resume(ctx, f"u{command.update_id}:check", command.group_id)
        if lifted:
            lines.append(say_count(command.language, "bot_resumed_lifted", lifted))
    return "\n".join(lines)


async def _rights_are_back(ctx: FlowContext, group_id: int, channels: list[Channel]) -> None:
    """/check has just seen the bot's rights in every channel: a problem recorded from an update
    (its fix may have come as an update GMBot missed) is over."""
    changed: set[int] = set()
    for channel in channels:
        if channel.bot_rights in CHANNEL_PROBLEMS:
            recorded = await ctx.clients.tenancy.record_channel_rights(
                channel.channel_id, ChannelRights.OK
            )
            if recorded.changed:
                changed.update(recorded.group_ids)
    for linked in sorted(changed | ({group_id} if changed else set())):
        await ctx.policies.changed(linked, await ctx.clients.tenancy.group_policy(linked))
