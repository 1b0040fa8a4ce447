"""The bounded, expiring memory of recent "I have joined" answers."""

from __future__ import annotations

from gmbot.gateway.recent import RecentAnswers


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_within_the_window_then_forgotten() -> None:
    clock = Clock()
    recent: RecentAnswers[str] = RecentAnswers(seconds=5, clock=clock)

    recent.put((-1001, 7), "still missing: News")
    clock.now += 4.9
    within = recent.get((-1001, 7))
    clock.now += 0.2
    after = recent.get((-1001, 7))

    assert within == "still missing: News"
    assert after is None
    assert len(recent) == 0


def test_the_least_recently_used_answers_are_forgotten_past_the_bound() -> None:
    recent: RecentAnswers[int] = RecentAnswers(seconds=60, most=3)

    for n in range(3):
        recent.put(n, n)
    assert recent.get(0) == 0  # used again: now the most recent
    recent.put(3, 3)

    assert len(recent) == 3
    assert recent.get(1) is None
    assert [recent.get(n) for n in (0, 2, 3)] == [0, 2, 3]


def test_a_zero_window_remembers_nothing() -> None:
    recent: RecentAnswers[str] = RecentAnswers(seconds=0)

    recent.put("k", "v")

    assert recent.get("k") is None
