"""How the benchmarks read a bot's calls: what counts as a mute, a deletion, a warning, a member
touched, and the least time Telegram's limits allow."""

from __future__ import annotations

import json
from typing import Any

from bench.metrics import bucket_quantile
from bench.outcome import Actions, Burst, percentile
from bench.world import least_seconds

GROUP = -1001
ALICE, BOB = 11, 12


def call(seq: int, method: str, at: float = 0.0, ok: bool = True, **params: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "time": at,
        "method": method,
        "params": {k: v if isinstance(v, (int, str)) else json.dumps(v) for k, v in params.items()},
        "ok": ok,
        "error_code": None if ok else 429,
    }


def test_a_mute_counts_once_per_successful_call_and_an_unmute_not_at_all() -> None:
    actions = Actions()
    mute = {"can_send_messages": False}
    actions.add(
        [
            call(
                1,
                "restrictChatMember",
                1.0,
                ok=False,
                chat_id=GROUP,
                user_id=ALICE,
                permissions=mute,
            ),
            call(2, "restrictChatMember", 2.0, chat_id=GROUP, user_id=ALICE, permissions=mute),
            call(3, "restrictChatMember", 3.0, chat_id=GROUP, user_id=ALICE, permissions=mute),
            call(
                4,
                "restrictChatMember",
                4.0,
                chat_id=GROUP,
                user_id=BOB,
                permissions={"can_send_messages": True},
            ),
            call(5, "getUpdates"),
        ],
        {},
    )

    assert actions.mutes == {(GROUP, ALICE): 2}
    assert actions.first_mute == {(GROUP, ALICE): 2.0}
    assert actions.too_many == {"restrictChatMember": 1}
    assert len(actions.calls) == 4  # getUpdates is bookkeeping, not a call
    assert actions.since == 5


def test_deletions_warnings_and_who_was_touched() -> None:
    authors = {(GROUP, 1): ALICE, (GROUP, 2): BOB, (GROUP, 3): BOB}
    actions = Actions()
    actions.add(
        [
            call(1, "getChatMember", chat_id=GROUP, user_id=ALICE),
            call(2, "deleteMessage", 1.0, chat_id=GROUP, message_id=2),
            call(3, "deleteMessages", 2.0, chat_id=GROUP, message_ids=[2, 3]),
            call(4, "sendMessage", chat_id=GROUP, text=f'<a href="tg://user?id={BOB}">Bob</a>'),
            call(5, "editMessageText", chat_id=GROUP, text=f'<a href="tg://user?id={BOB}">B</a>'),
        ],
        authors,
    )
    burst = Burst(0.0, authors, {(GROUP, BOB)})

    assert actions.deleted == {(GROUP, 2): 1.0, (GROUP, 3): 2.0}
    assert actions.warnings == {BOB: 1}  # an edit is not another warning
    assert ALICE not in actions.touched  # asking about someone does nothing to them
    assert actions.touched[BOB] == {
        "deleteMessage",
        "deleteMessages",
        "sendMessage",
        "editMessageText",
    }
    assert actions.done_at(burst) is None  # Bob's messages are gone, but he is not muted


def test_the_binding_limit_is_requests_or_a_groups_messages() -> None:
    calls = [call(i, "getChatMember", chat_id=GROUP) for i in range(90)]
    warnings = [call(i, "sendMessage", chat_id=GROUP, text="w") for i in range(41)]

    assert least_seconds(calls) == (3.0, "90 calls at 30/s")
    # The 41st message to one group cannot go before minute 2.
    assert least_seconds(warnings) == (120.0, "41 sendMessage in one group at 20/min")


def test_a_histogram_quantile_is_the_bucket_it_falls_in() -> None:
    inf = float("inf")
    before = {0.001: 10.0, 0.005: 10.0, 5.0: 10.0, inf: 10.0}
    after = {0.001: 11.0, 0.005: 60.0, 5.0: 100.0, inf: 110.0}

    assert bucket_quantile(before, after, 0.5) == "<= 5 ms"
    assert bucket_quantile(before, after, 0.99) == "> 5000 ms"
    assert bucket_quantile(after, after, 0.5) == "n/a"


def test_a_batch_of_deletions_is_one_call_and_each_message_its_own_delay() -> None:
    burst = Burst(
        posted_at=10.0,
        authors={(GROUP, 1): ALICE, (GROUP, 2): ALICE, (GROUP, 3): BOB},
        violators={(GROUP, ALICE)},
    )
    actions = Actions()
    actions.add(
        [
            call(1, "deleteMessages", 11.0, chat_id=GROUP, message_ids=[1, 3]),
            call(2, "deleteMessage", 14.0, chat_id=GROUP, message_id=2),
        ],
        burst.authors,
    )

    assert actions.delete_calls() == 2
    assert sorted(actions.deletion_delays(burst)) == [1.0, 4.0]  # Bob's message is no violator's
    assert percentile(actions.deletion_delays(burst), 0.5) == 1.0
    assert percentile(actions.deletion_delays(burst), 0.95) == 4.0
    assert percentile([], 0.95) == 0.0
