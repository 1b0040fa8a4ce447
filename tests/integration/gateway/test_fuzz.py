"""Whatever Telegram (or anyone holding the secret) posts to the webhook, and whatever an owner
types after a command, the gateway answers without an unhandled exception: no 500, and no update
confirmed only because handling it failed."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from gmbot.runtime.ids import MAX_USER_ID
from tests.support.fuzz import FUZZ
from tests.support.gateway import RunningGateway, World, updates_failed

_update_ids = itertools.count(900_000_000)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=25,
)
TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", "\x00", "{user}{group}", "<b>", "\u202e", "محمد", "x" * 4096]),
)


def _chats(world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Chats as Telegram describes them: ids of the right form for their type."""
    known = [
        {"id": world.group, "type": "supergroup", "title": "Chat"},
        {"id": world.basic_group, "type": "group", "title": "Basic"},
        {"id": world.owner, "type": "private", "first_name": "Olga"},
        {"id": world.channel, "type": "channel", "title": "News", "username": "news_channel"},
    ]
    other = st.one_of(
        st.fixed_dictionaries(
            {
                "id": st.integers(-1_997_852_516_352, -1_000_000_000_001),
                "type": st.sampled_from(["supergroup", "channel"]),
                "title": TEXT,
            },
            optional={"username": TEXT, "is_forum": st.booleans()},
        ),
        st.fixed_dictionaries(
            {"id": st.integers(-999_999_999_999, -1), "type": st.just("group"), "title": TEXT}
        ),
        st.fixed_dictionaries(
            {"id": st.integers(1, MAX_USER_ID), "type": st.just("private"), "first_name": TEXT}
        ),
    )
    return st.one_of(st.sampled_from(known), other)


def _users(world: World) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": st.one_of(
                st.sampled_from([world.owner, world.member, world.bot_id, 777000, 1087968824]),
                st.integers(1, MAX_USER_ID),
            ),
            "is_bot": st.booleans(),
            "first_name": TEXT,
        },
        optional={
            "last_name": TEXT,
            "username": TEXT,
            "language_code": st.one_of(st.sampled_from(["en", "ru", "uk-UA", ""]), TEXT),
        },
    )


def _messages(world: World, text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    users = _users(world)
    return st.fixed_dictionaries(
        {
            "message_id": st.integers(1, 2**31 - 1),
            "date": st.integers(0, 2**31 - 1),
            "chat": _chats(world),
            "from": users,
        },
        optional={
            "text": text,
            "sender_chat": _chats(world).filter(lambda c: c["type"] in {"supergroup", "channel"}),
            "is_automatic_forward": st.booleans(),
            "is_topic_message": st.booleans(),
            "message_thread_id": st.integers(1, 2**31 - 1),
            "new_chat_members": st.lists(users, max_size=3),
            "left_chat_member": users,
            "new_chat_title": TEXT,
        },
    )


def _member_states(world: World) -> st.SearchStrategy[dict[str, Any]]:
    rights = {
        name: st.booleans()
        for name in (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "is_member",
            "can_send_messages",
        )
    }
    return st.fixed_dictionaries(
        {
            "status": st.sampled_from(
                ["creator", "administrator", "member", "restricted", "left", "kicked"]
            ),
            "user": _users(world),
        },
        optional={**rights, "until_date": st.integers(0, 2**31 - 1)},
    )


def _updates(world: World) -> st.SearchStrategy[dict[str, Any]]:
    users = _users(world)
    member_update = st.fixed_dictionaries(
        {
            "chat": _chats(world),
            "from": users,
            "date": st.integers(0, 2**31 - 1),
            "old_chat_member": _member_states(world),
            "new_chat_member": _member_states(world),
        }
    )
    events = st.one_of(
        st.fixed_dictionaries({"message": _messages(world, TEXT)}),
        st.fixed_dictionaries({"edited_message": _messages(world, TEXT)}),
        st.fixed_dictionaries(
            {
                "callback_query": st.fixed_dictionaries(
                    {
                        "id": st.text(min_size=1, max_size=20),
                        "from": users,
                        "chat_instance": st.text(max_size=20),
                    },
                    optional={"data": TEXT, "message": _messages(world, TEXT)},
                )
            }
        ),
        st.fixed_dictionaries({"chat_member": member_update}),
        st.fixed_dictionaries({"my_chat_member": member_update}),
        st.fixed_dictionaries(
            {
                "chat_join_request": st.fixed_dictionaries(
                    {
                        "chat": _chats(world),
                        "from": users,
                        "user_chat_id": st.integers(1, MAX_USER_ID),
                        "date": st.integers(0, 2**31 - 1),
                    }
                )
            }
        ),
    )
    return events.map(lambda event: {"update_id": next(_update_ids), **event})


@settings(FUZZ, max_examples=150)
@given(data=st.data())
async def test_random_webhook_bodies_never_fail_the_gateway(
    world: World, gateway: RunningGateway, data: st.DataObject
) -> None:
    body = data.draw(st.one_of(JSON, _updates(world)), label="body")
    failed = updates_failed()

    status = await gateway.post(body)
    event(f"HTTP {status}")

    assert status in {200, 400}
    assert updates_failed() == failed


@settings(FUZZ, max_examples=150)
@given(data=st.data())
async def test_any_command_arguments_never_fail_the_gateway(
    world: World, gateway: RunningGateway, data: st.DataObject
) -> None:
    command = data.draw(
        st.sampled_from(
            ["protect", "unprotect", "status", "settings", "check", "start", "help", "groups"]
        ),
        label="command",
    )
    arguments = data.draw(
        st.one_of(
            TEXT,
            st.lists(TEXT, max_size=12).map(" ".join),
            st.sampled_from(
                [
                    "@news_channel",
                    "@news_channel " * 11,
                    "https://t.me/news_channel",
                    f"{world.channel} {world.group} {world.basic_group}",
                    "warning_text {user} {group} {channels}",
                    "warning_text {",
                    "exempt_user_ids 1, 2, 99999999999999999999",
                    "language xx",
                    "kick_after_minutes -1",
                    "warning_ttl_seconds 4294967296",
                    "x" * 4000,
                ]
            ),
        ),
        label="arguments",
    )
    chat = data.draw(
        st.sampled_from(
            [
                {"id": world.group, "type": "supergroup", "title": "Chat"},
                {"id": world.basic_group, "type": "group", "title": "Basic"},
                {"id": world.owner, "type": "private", "first_name": "Olga"},
            ]
        ),
        label="chat",
    )
    sender = data.draw(st.sampled_from([world.owner, world.member]), label="sender")
    text = f"/{command} {arguments}"[:4096]
    update = {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": chat,
            "from": {"id": sender, "is_bot": False, "first_name": "Someone"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command) + 1}],
        },
    }
    failed = updates_failed()

    status = await gateway.post(update)

    assert status == 200
    assert updates_failed() == failed
