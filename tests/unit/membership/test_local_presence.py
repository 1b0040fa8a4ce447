"""Presence kept in the membership process is bounded: it used to grow with every user ever seen."""

from __future__ import annotations

from gmbot.membership.storage.local_store import LocalStore

DAY = 86400.0
GROUP = -1001000000001


async def test_presence_in_process_forgets_the_least_recently_seen_users() -> None:
    store = LocalStore(seen_users=3)

    for user_id in range(1, 11):
        await store.touch(user_id, GROUP, now=1000.0 + user_id, window=DAY)
    await store.touch(8, GROUP - 1, now=2000.0, window=DAY)  # seen again: now the most recent
    await store.touch(11, GROUP, now=2001.0, window=DAY)

    assert store.seen_users == 3
    assert await store.groups(1, now=2002.0, window=DAY) == []
    assert await store.groups(8, now=2002.0, window=DAY) == [GROUP - 1, GROUP]
    assert await store.groups(10, now=2002.0, window=DAY) == [GROUP]
    assert await store.groups(11, now=2002.0, window=DAY) == [GROUP]


async def test_presence_in_process_keeps_a_bounded_number_of_groups_per_user() -> None:
    store = LocalStore(groups_per_user=2)

    for n in range(5):
        await store.touch(7, GROUP - n, now=1000.0 + n, window=DAY)

    assert await store.groups(7, now=1005.0, window=DAY) == [GROUP - 4, GROUP - 3]


async def test_expired_presence_is_dropped_when_the_user_is_seen_or_asked_about() -> None:
    store = LocalStore()
    await store.touch(7, GROUP, now=0.0, window=DAY)
    await store.touch(8, GROUP, now=0.0, window=DAY)

    await store.touch(7, GROUP - 1, now=2 * DAY, window=DAY)

    assert await store.groups(7, now=2 * DAY, window=DAY) == [GROUP - 1]
    assert await store.groups(8, now=2 * DAY, window=DAY) == []
    assert store.seen_users == 1
