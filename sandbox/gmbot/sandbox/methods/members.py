"""Changing members: restrict, promote, ban, unban, ban a sender chat."""

from __future__ import annotations

from gmbot.sandbox import moderation
from gmbot.sandbox.errors import NOT_ENOUGH_RIGHTS_RESTRICT, bad_request
from gmbot.sandbox.methods import Call, bot_in, method
from gmbot.sandbox.world import ADMIN_RIGHTS, PERMISSIONS, Member

# Without use_independent_chat_permissions, these imply others (Bot API, restrictChatMember).
_MEDIA = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
)
_FOREVER_BELOW = 30
_FOREVER_ABOVE = 366 * 24 * 3600


def until(call: Call) -> int:
    """until_date as Telegram reads it: under 30 s or over 366 days from now means forever."""
    value = call.number("until_date", 0)
    now = call.world.clock.seconds()
    if value == 0 or value - now < _FOREVER_BELOW or value - now > _FOREVER_ABOVE:
        return 0
    return value


def permissions(call: Call) -> dict[str, bool]:
    raw = call.json("permissions")
    if not isinstance(raw, dict):
        raise bad_request("can't parse permissions JSON object")
    granted = {p: bool(raw.get(p, False)) for p in PERMISSIONS}
    if not call.flag("use_independent_chat_permissions"):
        if granted["can_send_other_messages"] or granted["can_add_web_page_previews"]:
            granted.update(dict.fromkeys(_MEDIA, True))
        if granted["can_send_polls"]:
            granted["can_send_messages"] = True
    return granted


@method("restrictChatMember")
async def restrict_chat_member(call: Call) -> bool:
    chat = call.chat()
    user = call.user()
    bot_in(call, chat)
    moderation.restrict(
        call.telegram, chat, call.bot.user.id, user.id, permissions(call), until(call)
    )
    return True


@method("promoteChatMember")
async def promote_chat_member(call: Call) -> bool:
    chat = call.chat()
    user = call.user()
    if not bot_in(call, chat).can("can_promote_members"):
        raise bad_request("not enough rights")
    current = call.world.member(chat.id, user.id)
    if current.status == "creator":
        raise bad_request("can't change the creator's rights")
    rights = {r: call.flag(r) for r in ADMIN_RIGHTS}
    if any(rights.values()):
        new = Member(
            user.id, "administrator", rights=rights, is_anonymous=call.flag("is_anonymous")
        )
    else:
        new = Member(user.id, "member" if current.present else "left")
    call.telegram.change_member(chat, new, call.bot.user.id)
    return True


@method("banChatMember")
async def ban_chat_member(call: Call) -> bool:
    chat = call.chat()
    user = call.user()
    bot_in(call, chat)
    moderation.ban(call.telegram, chat, call.bot.user.id, user.id, until(call))
    return True


@method("unbanChatMember")
async def unban_chat_member(call: Call) -> bool:
    chat = call.chat()
    user = call.user()
    bot_in(call, chat)
    moderation.unban(
        call.telegram,
        chat,
        call.bot.user.id,
        user.id,
        only_if_banned=call.flag("only_if_banned"),
    )
    return True


@method("banChatSenderChat")
async def ban_chat_sender_chat(call: Call) -> bool:
    chat = call.chat()
    if not bot_in(call, chat).can("can_restrict_members"):
        raise bad_request(NOT_ENOUGH_RIGHTS_RESTRICT)
    sender = call.chat("sender_chat_id")
    chat.banned_sender_chats.add(sender.id)
    return True


@method("unbanChatSenderChat")
async def unban_chat_sender_chat(call: Call) -> bool:
    chat = call.chat()
    if not bot_in(call, chat).can("can_restrict_members"):
        raise bad_request(NOT_ENOUGH_RIGHTS_RESTRICT)
    chat.banned_sender_chats.discard(call.number("sender_chat_id"))
    return True
