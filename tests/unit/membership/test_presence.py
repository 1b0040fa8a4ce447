"""The domain's presence over the in-process store: a presence written once a minute at most,
and a batch with one bad entry recording nothing."""

from __future__ import annotations

import pytest

from gmbot.membership.domain.presence import MAX_PRESENCES, Presence
from gmbot.membership.storage.local_store import LocalStore
from gmbot.runtime.errors import InvalidArgument

DAY = 86400.0
GROUP = -1001000000001
USER = 7


class CountingStore(LocalStore):
    def __init__(self) -> None:
        super().__init__()
        self.touches = 0

    async def touch(self, user_id: int, group_id: int, now: float, window: float) -> None:
        self.touches += 1
        await super().touch(user_id, group_id, now, window)


async def test_a_presence_seen_again_within_a_minute_is_written_once() -> None:
    store = CountingStore()
    presence = Presence(store, DAY)

    await presence.record(GROUP, USER)
    await presence.record(GROUP, USER)
    await presence.record(GROUP - 1, USER)

    assert store.touches == 2
    assert await presence.user_groups(USER) == [GROUP - 1, GROUP]


async def test_a_batch_with_one_bad_entry_records_nothing() -> None:
    store = CountingStore()
    presence = Presence(store, DAY)

    with pytest.raises(InvalidArgument):
        await presence.record_many([(GROUP, USER), (GROUP, -5)])

    assert store.touches == 0
    assert await presence.user_groups(USER) == []


async def test_a_batch_over_the_limit_is_refused() -> None:
    presence = Presence(CountingStore(), DAY)

    with pytest.raises(InvalidArgument, match=f"at most {MAX_PRESENCES}"):
        await presence.record_many([(GROUP, USER)] * (MAX_PRESENCES + 1))
