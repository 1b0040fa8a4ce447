"""Warning texts, and the in-process budget."""

from __future__ import annotations

import asyncio
import time

from gmbot.enforcement.queue import Lane, LocalQueue
from gmbot.enforcement.texts import Warned, request_notice, warning_keyboard, warning_text
from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.callbacks import VerifyButton, verify

SPEC = {
    "language": "en",
    "group_title": "Cats & <Dogs>",
    "join_buttons": [{"text": "News", "url": "https://t.me/news"}],
}


def test_names_and_titles_are_escaped_and_mentioned() -> None:
    text = warning_text(SPEC, [Warned(5, "<b>Eve</b>")])

    assert '<a href="tg://user?id=5">&lt;b&gt;Eve&lt;/b&gt;</a>' in text
    assert "Cats &amp; &lt;Dogs&gt;" in text


def test_the_owners_text_keeps_literal_braces() -> None:
    spec = {**SPEC, "custom_text": "{user}: join {channels} {not a placeholder}"}

    assert warning_text(spec, [Warned(5, "Eve")]).endswith("join News {not a placeholder}")


def test_russian_groups_get_russian_warnings() -> None:
    assert "подпишитесь" in warning_text({**SPEC, "language": "ru"}, [Warned(5, "Ева")])


def test_one_signed_button_per_member_of_a_coalesced_warning() -> None:
    members = [Warned(5, "Eve"), Warned(6, "Mallory")]

    keyboard = warning_keyboard(SPEC, members, -1001, b"k" * 32)

    rows = keyboard["inline_keyboard"]
    assert rows[0] == [{"text": "News", "url": "https://t.me/news"}]
    assert [verify(b"k" * 32, r[0]["callback_data"]) for r in rows[1:]] == [
        VerifyButton(-1001, 5),
        VerifyButton(-1001, 6),
    ]
    assert "Mallory" in rows[2][0]["text"]


def test_a_join_request_notice_lists_the_channels() -> None:
    text, keyboard = request_notice(SPEC)

    assert "News" in text
    assert keyboard["inline_keyboard"] == [[{"text": "News", "url": "https://t.me/news"}]]


async def test_the_local_budget_spaces_calls_and_honours_pauses() -> None:
    limiter = LocalBudget(Spacing.of(per_second=50, group_messages_per_minute=6000))
    started = time.monotonic()

    for _ in range(11):
        await limiter.acquire(None, Priority.URGENT)
    spaced = time.monotonic() - started
    await limiter.pause(None, 0.2)
    paused_from = time.monotonic()
    await limiter.acquire(-1001, Priority.URGENT)

    assert spaced >= 9.5 / 50  # half an interval of lateness is tolerated
    assert time.monotonic() - paused_from >= 0.19


async def test_the_local_queue_hands_out_urgent_work_first() -> None:
    queue = LocalQueue()
    await queue.put("later", Lane.HOUSEKEEPING)
    await queue.put("now", Lane.URGENT)

    first = await queue.take(0.1)
    second = await queue.take(0.1)

    assert first is not None
    assert first.action_id == "now"
    assert second is not None
    assert second.action_id == "later"
    assert await queue.take(0.05) is None
    await asyncio.sleep(0)
