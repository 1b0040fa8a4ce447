"""The bounded, expiring map every in-process cache is built on."""

from __future__ import annotations

import pytest

from gmbot.runtime.expiring import ExpiringLru


def test_the_map_is_bounded_and_entries_expire() -> None:
    lru: ExpiringLru[int, str] = ExpiringLru(2)
    lru.put(1, "a", expires=10.0)
    lru.put(2, "b", expires=10.0)
    assert lru.get(1, now=0.0) == "a"  # 1 is now the most recently used
    lru.put(3, "c", expires=10.0)

    assert lru.get(2, now=0.0) is None
    assert lru.get(1, now=0.0) == "a"
    assert lru.get(3, now=11.0) is None
    assert len(lru) == 1


def test_putting_again_renews_and_pop_forgets() -> None:
    lru: ExpiringLru[str, int] = ExpiringLru(10)
    lru.put("k", 1, expires=5.0)
    lru.put("k", 2, expires=20.0)

    assert lru.get("k", now=10.0) == 2
    lru.pop("k")
    lru.pop("never there")
    assert lru.get("k", now=10.0) is None
    assert len(lru) == 0


def test_the_live_entries_are_those_not_expired() -> None:
    lru: ExpiringLru[int, str] = ExpiringLru(10)
    lru.put(1, "a", expires=5.0)
    lru.put(2, "b", expires=20.0)

    assert list(lru.live(now=10.0)) == [(2, "b")]
    assert list(lru.live(now=0.0)) == [(1, "a"), (2, "b")]


def test_an_empty_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ExpiringLru(0)
