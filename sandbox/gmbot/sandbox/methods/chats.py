"""Reading chats and their members; invite links and join requests."""

from __future__ import annotations

import secrets
from typing import Any

from gmbot.sandbox.errors import MEMBER_LIST_INACCESSIBLE, bad_request
from gmbot.sandbox.methods import Call, bot_in, method
from gmbot.sandbox.wire import chat_full_json, invite_link_json, member_json
from gmbot.sandbox.world import Chat, InviteLink


def _readable_members(call: Call, chat: Chat) -> None:
    """A channel's members are visible to its administrators only."""
    me = bot_in(call, chat)
    if chat.type == "channel" and not me.is_admin:
        raise bad_request(MEMBER_LIST_INACCESSIBLE)


@method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    chat = call.chat()
    if chat.type != "private" and not (chat.username and chat.type == "channel"):
        bot_in(call, chat)  # a private group or channel is visible to its members only
    body = chat_full_json(chat, call.world)
    if chat.type != "private" and call.world.member(chat.id, call.bot.user.id).can(
        "can_invite_users"
    ):
        # An administrator who may invite sees the primary link; Telegram makes one if needed.
        body["invite_link"] = _primary_link(call, chat).link
    return body


def _primary_link(call: Call, chat: Chat) -> InviteLink:
    for link in call.world.invite_links.values():
        if link.chat_id == chat.id and link.is_primary and not link.is_revoked:
            return link
    link = InviteLink(
        f"https://t.me/+{secrets.token_urlsafe(12)}", chat.id, call.bot.user.id, is_primary=True
    )
    call.world.invite_links[link.link] = link
    return link


@method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    chat = call.chat()
    _readable_members(call, chat)
    user = call.user()
    return member_json(call.world.member(chat.id, user.id), call.world)


@method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    chat = call.chat()
    _readable_members(call, chat)
    admins = [m for m in call.world.members(chat.id) if m.is_admin]
    return [member_json(m, call.world) for m in admins]


@method("getChatMemberCount")
async def get_chat_member_count(call: Call) -> int:
    chat = call.chat()
    _readable_members(call, chat)
    return sum(1 for m in call.world.members(chat.id) if m.present)


def _invite_rights(call: Call, chat: Chat) -> None:
    if not bot_in(call, chat).can("can_invite_users"):
        raise bad_request("not enough rights to manage chat invite link")


@method("createChatInviteLink")
async def create_chat_invite_link(call: Call) -> dict[str, Any]:
    chat = call.chat()
    _invite_rights(call, chat)
    name = call.text("name")
    if len(name) > 32:
        raise bad_request("invite link name is too long")
    link = InviteLink(
        f"https://t.me/+{secrets.token_urlsafe(12)}",
        chat.id,
        call.bot.user.id,
        creates_join_request=call.flag("creates_join_request"),
        name=name,
    )
    call.world.invite_links[link.link] = link
    return invite_link_json(link, call.world)


def _own_link(call: Call, chat: Chat) -> InviteLink:
    """One of the chat's links the bot made (only the owner may edit other admins' links)."""
    _invite_rights(call, chat)
    link = call.world.invite_links.get(call.text("invite_link"))
    if link is None or link.chat_id != chat.id:
        raise bad_request("INVITE_HASH_INVALID")
    if link.creator_id != call.bot.user.id:
        raise bad_request("CHAT_ADMIN_REQUIRED")
    return link


@method("editChatInviteLink")
async def edit_chat_invite_link(call: Call) -> dict[str, Any]:
    """A revoked link cannot be edited: the refusal is how a bot learns it was revoked."""
    link = _own_link(call, call.chat())
    if link.is_revoked:
        raise bad_request("INVITE_HASH_EXPIRED")
    name = call.text("name", link.name)
    if len(name) > 32:
        raise bad_request("invite link name is too long")
    link.name = name
    link.creates_join_request = call.flag("creates_join_request", link.creates_join_request)
    return invite_link_json(link, call.world)


@method("revokeChatInviteLink")
async def revoke_chat_invite_link(call: Call) -> dict[str, Any]:
    link = _own_link(call, call.chat())
    if link.is_primary:
        raise bad_request("primary invite link can't be revoked here")
    link.is_revoked = True
    return invite_link_json(link, call.world)


@method("exportChatInviteLink")
async def export_chat_invite_link(call: Call) -> str:
    """Makes a new primary link and revokes the old one (why GMBot never calls this)."""
    chat = call.chat()
    _invite_rights(call, chat)
    for link in call.world.invite_links.values():
        if link.chat_id == chat.id and link.is_primary:
            link.is_revoked = True
    link = InviteLink(
        f"https://t.me/+{secrets.token_urlsafe(12)}", chat.id, call.bot.user.id, is_primary=True
    )
    call.world.invite_links[link.link] = link
    return link.link


def _pending_request(call: Call, chat: Chat) -> Any:
    if not bot_in(call, chat).can("can_invite_users"):
        raise bad_request("not enough rights")
    request = call.world.join_requests.pop((chat.id, call.user().id), None)
    if request is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    call.bot.reachable.pop(request.user_id, None)
    return request


@method("approveChatJoinRequest")
async def approve_chat_join_request(call: Call) -> bool:
    """The member joins; their chat_member update names the link the request came by."""
    chat = call.chat()
    request = _pending_request(call, chat)
    by = call.world.invite_links.get(request.invite_link) if request.invite_link else None
    call.telegram.join(chat, request.user_id, actor_id=call.bot.user.id, invite_link=by)
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(call: Call) -> bool:
    chat = call.chat()
    _pending_request(call, chat)
    return True
