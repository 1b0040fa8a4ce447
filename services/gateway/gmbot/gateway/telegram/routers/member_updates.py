"""People joining, leaving and changing in groups and channels (chat_member), and requests to
join a group or a channel (chat_join_request): each handed to its flow as plain facts."""

from __future__ import annotations

import time

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import ChatJoinRequest, ChatMemberUpdated, Update

from gmbot.gateway.flows import attribution, channel_requests, join_requests, members, undo
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import decided
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import GROUPS, on_loop


def member_updates() -> Router:
    router = Router(name="member-updates")
    router.chat_member.register(on_channel_member, on_loop(F.chat.type == ChatType.CHANNEL))
    router.chat_member.register(on_group_member, on_loop(F.chat.type.in_(GROUPS)))
    router.chat_join_request.register(on_join_request, on_loop(F.chat.type.in_(GROUPS)))
    router.chat_join_request.register(on_channel_request, on_loop(F.chat.type == ChatType.CHANNEL))
    return router


async def on_channel_member(
    update: ChatMemberUpdated, event_update: Update, flow_context: FlowContext
) -> None:
    started = time.perf_counter()
    change = member_change(event_update.update_id, update)
    outcomes = await members.on_channel_member_changed(flow_context, change)
    link = update.invite_link
    joined = attribution.JoinedBy(
        link.invite_link if link else None,
        bool(link and link.is_revoked),
        bool(update.via_join_request),
    )
    await attribution.channel_member_changed(flow_context, change, joined)
    decided("channel-member", ",".join(o.split(":")[0] for o in outcomes) or "none", started)


async def on_group_member(
    update: ChatMemberUpdated, event_update: Update, flow_context: FlowContext
) -> None:
    change = member_change(event_update.update_id, update)
    await members.record_change(flow_context, change)
    await undo.on_member_changed(flow_context, change)
    if change.now_member and not change.was_member:
        started = time.perf_counter()
        outcome = await members.on_member_joined(
            flow_context, change.update_id, change.chat_id, change.person
        )
        decided("join", outcome, started)


async def on_join_request(
    request: ChatJoinRequest, event_update: Update, flow_context: FlowContext
) -> None:
    started = time.perf_counter()
    outcome = await join_requests.on_join_request(
        flow_context,
        event_update.update_id,
        request.chat.id,
        person(request.from_user),
        request.user_chat_id,
    )
    decided("join-request", outcome, started)


async def on_channel_request(
    request: ChatJoinRequest, event_update: Update, flow_context: FlowContext
) -> None:
    started = time.perf_counter()
    outcome = await channel_requests.on_channel_request(
        flow_context,
        event_update.update_id,
        request.chat.id,
        person(request.from_user),
        request.invite_link.invite_link if request.invite_link else "",
    )
    decided("channel-request", outcome.split(":")[0], started)


def member_change(update_id: int, update: ChatMemberUpdated) -> members.MemberChange:
    new, old = update.new_chat_member, update.old_chat_member
    return members.MemberChange(
        update_id=update_id,
        chat_id=update.chat.id,
        person=person(new.user),
        old_status=old.status,
        new_status=new.status,
        is_member=bool(getattr(new, "is_member", False)),
        date=update.date,
        old_is_member=bool(getattr(old, "is_member", False)),
        actor_id=update.from_user.id if update.from_user else 0,
        actor_is_bot=bool(update.from_user and update.from_user.is_bot),
        old_can_send=bool(getattr(old, "can_send_messages", True)),
        new_can_send=bool(getattr(new, "can_send_messages", True)),
    )
