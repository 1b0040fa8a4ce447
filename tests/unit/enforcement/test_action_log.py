"""Log chats' messages: GMBot's actions as lines with an Undo button each, in the group's
language, and a line undone struck through with who undid it. (How lines gather into messages,
durably, is tested over a real ledger: tests/integration/enforcement/test_log_chat.py.)"""

from __future__ import annotations

from dataclasses import replace

from gmbot.enforcement.domain.log_lines import LogEvent, LogLine
from gmbot.enforcement.domain.log_texts import MAX_LINES, log_message
from gmbot.enforcement.domain.texts import MAX_MESSAGE_LENGTH
from gmbot.runtime.callbacks import (
    LOG_UNDO,
    LOG_UNDO_DELETE,
    LOG_UNDO_KICK,
    OwnerButton,
    verify_owner,
)

KEY = b"k" * 32
GROUP, OTHER_GROUP = -1001, -1002


def line(user_id: int, group_id: int = GROUP, language: str = "en", **kwargs: object) -> LogLine:
    values: dict[str, object] = {
        "group_title": "Cats",
        "name": f"member {user_id}",
        "event": LogEvent.MUTE,
        "channels": ("News", "Deals"),
        **kwargs,
    }
    return LogLine(group_id=group_id, language=language, user_id=user_id, **values)  # type: ignore[arg-type]


def test_each_line_names_the_member_and_the_reason_and_has_its_own_undo() -> None:
    lines = [
        line(5),
        line(6, event=LogEvent.KICK),
        line(7, event=LogEvent.DELETE_ONLY),
        line(8, event=LogEvent.KICK_UNVERIFIED),
    ]

    text, keyboard, taken = log_message(lines, KEY)

    assert taken == 4
    assert text.splitlines() == [
        "📋 «Cats»: 4 actions by GMBot",
        '1. 🔇 <a href="tg://user?id=5">member 5</a> muted: does not follow News, Deals',
        '2. 🚪 <a href="tg://user?id=6">member 6</a> removed: does not follow News, Deals',
        '3. 🗑 <a href="tg://user?id=7">member 7</a>: message deleted, does not follow News, Deals',
        '4. 🚪 <a href="tg://user?id=8">member 8</a> removed: did not join News, Deals in time',
    ]
    buttons = [row[0] for row in keyboard]
    assert [b.text for b in buttons][:2] == ["↩️ Undo 1: member 5", "↩️ Undo 2: member 6"]
    # Each Undo says what it undoes: a mute lifted, a removal unbanned, a deletion exempted.
    assert [verify_owner(KEY, b.callback_data) for b in buttons] == [
        OwnerButton(LOG_UNDO, GROUP, 5),
        OwnerButton(LOG_UNDO_KICK, GROUP, 6),
        OwnerButton(LOG_UNDO_DELETE, GROUP, 7),
        OwnerButton(LOG_UNDO_KICK, GROUP, 8),
    ]


def test_an_undone_line_is_struck_through_and_says_who_the_others_stay() -> None:
    lines = [line(5), replace(line(6), undone=True, undone_by="Olga <3"), line(7)]

    text, keyboard, _ = log_message(lines, KEY)

    assert text.splitlines()[1:] == [
        '1. 🔇 <a href="tg://user?id=5">member 5</a> muted: does not follow News, Deals',
        '<s>2. 🔇 <a href="tg://user?id=6">member 6</a> muted: does not follow News, Deals</s>'
        " ↩️ undone by Olga &lt;3",
        '3. 🔇 <a href="tg://user?id=7">member 7</a> muted: does not follow News, Deals',
    ]
    assert [row[0].text for row in keyboard] == [
        "↩️ Undo 1: member 5",
        "✅ Undone 2: member 6",
        "↩️ Undo 3: member 7",
    ]
    # Still the same press: pressed again, it is answered (already undone) and changes nothing.
    assert keyboard[1][0].callback_data == log_message([line(6)], KEY)[1][0][0].callback_data


def test_an_anonymous_undoer_stays_unnamed_in_the_groups_language() -> None:
    text, _, _ = log_message([replace(line(5, language="ru"), undone=True)], KEY)

    assert text.splitlines()[1].endswith("</s> ↩️ отменено администратором")


def test_counts_take_the_plural_form_of_the_groups_language() -> None:
    headers = [
        log_message([line(u, language="ru") for u in range(1, n + 1)], KEY)[0].splitlines()[0]
        for n in (1, 3, 5)
    ]

    assert headers == [
        "📋 «Cats»: 1 действие GMBot",
        "📋 «Cats»: 3 действия GMBot",
        "📋 «Cats»: 5 действий GMBot",
    ]


def test_groups_sharing_a_log_chat_each_have_their_header_and_language() -> None:
    lines = [line(5), line(6, OTHER_GROUP, "ru", group_title="Псы"), line(7)]

    text, keyboard, _ = log_message(lines, KEY)

    assert [row for row in text.splitlines() if row.startswith("📋")] == [
        "📋 «Cats»: 2 actions by GMBot",
        "📋 «Псы»: 1 действие GMBot",
    ]
    pressed = [verify_owner(KEY, row[0].callback_data) for row in keyboard]
    expected = [(GROUP, 5), (GROUP, 7), (OTHER_GROUP, 6)]
    assert [(b.group_id, b.value) for b in pressed if b] == expected


def test_a_message_stays_within_telegrams_limits_however_long_the_names() -> None:
    long = "W" * 300
    lines = [line(u, name=long, channels=(long,) * 10) for u in range(1, 101)]

    text, keyboard, taken = log_message(lines, KEY)

    assert len(text) <= MAX_MESSAGE_LENGTH
    assert 1 <= taken <= MAX_LINES
    assert len(keyboard) == taken


def test_a_release_says_why_and_an_approval_names_the_channel_neither_has_an_undo() -> None:
    lines = [
        line(5, event=LogEvent.RELEASE, why="verified", channels=()),
        line(6, event=LogEvent.RELEASE, why="overruled", channels=()),
        line(7, event=LogEvent.APPROVE, channels=("News",)),
        line(8),
    ]

    text, keyboard, taken = log_message(lines, KEY)

    assert taken == 4
    assert text.splitlines()[1:4] == [
        '1. 🔓 <a href="tg://user?id=5">member 5</a> unmuted: joined the channels',
        '2. 🔓 <a href="tg://user?id=6">member 6</a> unmuted: I let them go',
        '3. ✅ <a href="tg://user?id=7">member 7</a> let into News: its administrators'
        " consented to my approvals",
    ]
    assert [row[0].text for row in keyboard] == ["↩️ Undo 4: member 8"]
