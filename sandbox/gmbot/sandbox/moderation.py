"""What an administrator does to a member (restrict, ban, unban), with the updates Telegram sends
for it, `from` being the administrator. The Bot API methods do it for the bot that calls them; the
control API does it for anyone else who administers the chat, a person or another bot, so tests
can show a bot what other people do to its members."""

from __future__ import annotations

from gmbot.sandbox.errors import NOT_ENOUGH_RIGHTS_RESTRICT, USER_IS_ADMIN, bad_request
from gmbot.sandbox.telegram import Telegram
from gmbot.sandbox.world import PERMISSIONS, Chat, Member


def _check_actor(telegram: Telegram, chat: Chat, actor_id: int) -> None:
    if not telegram.world.member(chat.id, actor_id).can("can_restrict_members"):
        raise bad_request(NOT_ENOUGH_RIGHTS_RESTRICT)


def _not_an_admin(telegram: Telegram, chat: Chat, user_id: int) -> Member:
    target = telegram.world.member(chat.id, user_id)
    if target.is_admin:
        raise bad_request(USER_IS_ADMIN)
    return target


def restrict(
    telegram: Telegram,
    chat: Chat,
    actor_id: int,
    user_id: int,
    granted: dict[str, bool],
    until_date: int,
) -> None:
    """`until_date` as Telegram reads it (0: forever)."""
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")
    _check_actor(telegram, chat, actor_id)
    in_chat = _not_an_admin(telegram, chat, user_id).present
    if all(granted[p] or not chat.permissions.get(p, True) for p in PERMISSIONS):
        # Everything the group allows: Telegram turns the member back into a plain member.
        new = Member(user_id, "member" if in_chat else "left")
    else:
        new = Member(
            user_id, "restricted", permissions=granted, is_member=in_chat, until_date=until_date
        )
    telegram.change_member(chat, new, actor_id)


def ban(telegram: Telegram, chat: Chat, actor_id: int, user_id: int, until_date: int) -> None:
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    _check_actor(telegram, chat, actor_id)
    # A banned requester's join request goes with the ban (the apps' "decline and ban").
    telegram.world.join_requests.pop((chat.id, user_id), None)
    if _not_an_admin(telegram, chat, user_id).present:
        telegram.leave(chat, user_id, status="kicked", actor_id=actor_id, until_date=until_date)
    else:
        telegram.change_member(chat, Member(user_id, "kicked", until_date=until_date), actor_id)


def unban(
    telegram: Telegram, chat: Chat, actor_id: int, user_id: int, *, only_if_banned: bool
) -> None:
    _check_actor(telegram, chat, actor_id)
    current = telegram.world.member(chat.id, user_id)
    if current.status == "kicked":
        telegram.change_member(chat, Member(user_id, "left"), actor_id)
    elif not only_if_banned and current.present and not current.is_admin:
        # Unbanning a present member removes them, as Telegram does.
        telegram.leave(chat, user_id, actor_id=actor_id)
