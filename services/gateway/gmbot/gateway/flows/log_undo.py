"""Undo, pressed under a line of a group's log chat (enforcement writes the lines). Only an
administrator of the group the line is about may press it, wherever the log chat is (a channel
whose other admins do not administer the group, a group shared by several groups' staff):
on_owner_pressed checks that before this runs.

Undo exempts the member, so they are not acted on again at their next message, and undoes what
the line says: a mute is lifted (as an administrator's own unmute), a removal unbanned so they
may come back at once, a deleted message needs nothing more (it cannot be brought back). The
line then reads as undone, struck through, saying who undid it (an anonymous administrator stays
anonymous); enforcement redraws the message, its other lines and buttons as they were.

A press that would change nothing is answered so, and nothing changes: the member is exempt
already (Undo pressed twice, or exempted another way), or GMBot no longer mutes them (they
joined the channels, or an administrator lifted the mute). Each step is keyed by the press, so
the same press handled twice does each once."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from gmbot.gateway.clients.backends import BackendError, InvalidArgument
from gmbot.gateway.clients.enforcement import LogLineMark, Reason
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.muted import name_of
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import LOG_UNDO, LOG_UNDO_KICK, OwnerButton

log = structlog.get_logger("gmbot.gateway.log_undo")


@dataclass(frozen=True)
class Pressed:
    """The log chat's message the Undo is on (0: unknown, a message Telegram no longer shows)."""

    chat_id: int
    message_id: int


async def _anonymous(ctx: FlowContext, group_id: int, user_id: int) -> bool:
    """Whether the presser administers the group anonymously (unknown: treated as anonymous,
    so no name is ever shown that should not be)."""
    try:
        admins = await ctx.clients.membership.administrators(group_id)
    except BackendError as error:
        log.info("administrators unknown: the undoer is not named", status=error.status)
        return True
    return any(a.user_id == user_id and a.is_anonymous for a in admins.administrators)


async def _undoer(ctx: FlowContext, group_id: int, presser: Person) -> str:
    """The name the undone line shows; empty for an anonymous administrator."""
    if await _anonymous(ctx, group_id, presser.user_id):
        return ""
    return presser.display_name or str(presser.user_id)


async def _nothing_to_undo(ctx: FlowContext, button: OwnerButton, language: str) -> str:
    """Why the press would change nothing ("": it would)."""
    group_id, user_id = button.group_id, button.value
    policy = await ctx.policies.get(group_id)
    if policy is not None and user_id in policy.settings.exempt_user_ids:
        return say(language, "log_undo_already")
    if button.action == LOG_UNDO:
        held = await ctx.clients.enforcement.restricted_groups(user_id)
        if group_id not in held.group_ids:
            return say(language, "log_undo_lifted")
    return ""


async def press(
    ctx: FlowContext,
    key: str,
    button: OwnerButton,
    presser: Person,
    language: str,
    pressed: Pressed,
) -> tuple[str, str]:
    """An administrator pressed Undo. Returns the answer to the press and the button's new
    label (empty: unchanged; a message enforcement keeps no line of gets only that).

    A press handled again after it failed part-way (a back end slow under load, the update
    delivered again) finishes what it began: its own exemption is not a reason to refuse it."""
    if await ctx.undo_presses.get(key) is None:
        if refused := await _nothing_to_undo(ctx, button, language):
            return refused, ""
        await ctx.undo_presses.put(key, "begun")
    group_id, user_id = button.group_id, button.value
    name = await name_of(ctx, group_id, user_id)
    try:
        await undo.exempt(ctx, key, group_id, user_id)
    except InvalidArgument:  # the exempt list is full: said, and nothing is relabelled
        return say(language, "log_undo_failed", user=name), ""
    if button.action == LOG_UNDO_KICK:
        await ctx.clients.enforcement.unban(f"{key}:unban", group_id, user_id, Reason.MANUAL)
    done = "log_undone_kick" if button.action == LOG_UNDO_KICK else "log_undone"
    undoer = await _undoer(ctx, group_id, presser)
    mark = LogLineMark.UNKNOWN
    if pressed.message_id:
        mark = await ctx.clients.enforcement.mark_log_undone(
            pressed.chat_id, pressed.message_id, group_id, user_id, undoer
        )
    if mark is not LogLineMark.UNKNOWN:
        return say(language, done, user=name), ""
    by = say(language, "log_undone_by", admin=undoer) if undoer else ""
    return say(language, done, user=name), by or say(language, "log_undone_anonymous")
