"""A chat's administrator list is read from Telegram once for every call that arrives while it
is being read and cached: the moment between Telegram's answer and the cache's write included.

The use case runs on the real store (Redis, or the in-process cache) and reads the sandbox; the
store's write of the list is held until the test lets it go, so the moment is not left to the
clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from gmbot.membership.domain.administrators import AdminList
from gmbot.membership.domain.answers import Source
from gmbot.membership.domain.checker import MembershipChecker
from gmbot.membership.domain.ports import Store
from gmbot.membership.domain.ttls import Ttls
from gmbot.membership.metrics import SINGLE_FLIGHT_JOINS
from gmbot.membership.outbound.changes import ChangeFeed
from gmbot.membership.outbound.telegram import TelegramReader
from gmbot.membership.storage.local_store import LocalStore
from gmbot.membership.storage.redis_store import RedisStore
from gmbot.runtime.redis import create_redis
from gmbot.runtime.telegram import TelegramSettings, create_bot
from tests.support.membership import World, forget_keys
from tests.support.waiting import eventually


class HeldListWrites:
    """The real store, whose writes of an administrator list wait for `release`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.writing = asyncio.Event()
        self.release = asyncio.Event()

    async def put_admins(self, chat_id: int, admins: AdminList, ttl: float) -> None:
        self.writing.set()
        await self.release.wait()
        await self._store.put_admins(chat_id, admins, ttl)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
async def store(cache_kind: str, redis_url: str) -> AsyncIterator[HeldListWrites]:
    if cache_kind == "local":
        yield HeldListWrites(LocalStore())
        return
    redis = create_redis(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield HeldListWrites(RedisStore(redis, prefix))
    finally:
        await redis.aclose()
        await forget_keys(redis_url, prefix)


@pytest.fixture
async def checker(world: World, store: HeldListWrites) -> AsyncIterator[MembershipChecker]:
    settings = TelegramSettings(
        bot_token=SecretStr(world.token), telegram_api_url=world.sandbox.url
    )
    bot = create_bot(settings)
    ttls = Ttls(member=3600, not_member=60, admins=600, presence=86400)
    try:
        yield MembershipChecker(store, TelegramReader(bot, 4), ttls, 10, ChangeFeed())
    finally:
        await bot.session.close()


async def test_a_call_while_the_list_is_being_cached_joins_the_read(
    world: World, store: HeldListWrites, checker: MembershipChecker
) -> None:
    joins = SINGLE_FLIGHT_JOINS.labels("process")
    joined_before = joins._value.get()
    refresh = asyncio.create_task(checker.administrators(world.group, fresh=True))
    await asyncio.wait_for(store.writing.wait(), 10)  # Telegram answered; nothing cached yet

    meanwhile = asyncio.create_task(checker.administrators(world.group))

    async def joined_or_read_again() -> bool:
        read = await world.calls("getChatAdministrators")
        return joins._value.get() > joined_before or read > 1

    await eventually(joined_or_read_again, what="the second call joining or reading Telegram")
    store.release.set()
    (refreshed, _), (seen, source) = await asyncio.gather(refresh, meanwhile)
    assert await world.calls("getChatAdministrators") == 1
    assert seen == refreshed
    assert source is Source.TELEGRAM
    assert await checker.administrators(world.group) == (refreshed, Source.CACHE)


async def test_a_fresh_call_joins_no_read_answered_before_it_asked(
    world: World, store: HeldListWrites, checker: MembershipChecker
) -> None:
    """A promotion's fresh read, answered but not yet cached, when a demotion asks for a fresh
    list: joining would hand the demotion a list from before it. It reads Telegram again."""
    promoted = asyncio.create_task(checker.administrators(world.group, fresh=True))
    await asyncio.wait_for(store.writing.wait(), 10)  # Telegram answered; nothing cached yet

    demoted = asyncio.create_task(checker.administrators(world.group, fresh=True))
    store.release.set()
    await asyncio.gather(promoted, demoted)

    assert await world.calls("getChatAdministrators") == 2
