"""The ledger keeps LEDGER_RETENTION_DAYS: what finished longer ago goes, in bounded batches;
an unfinished action, a restriction in force or a waiting join request never does. On
PostgreSQL and SQLite, and by the service's own pruner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.app import migrations_config
from gmbot.enforcement.domain.actions import State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.retention import LedgerRetention
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import (
    ActionRow,
    ActivityRow,
    ChannelJoinRow,
    ChannelWarningRow,
    JoinRequestRow,
    ReleaseRow,
    RestrictionRow,
    WarningRow,
)
from gmbot.runtime.database import create_engine
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.migrated_databases import migrated_database
from tests.support.waiting import eventually

GROUP = -1001000000001
LONG_AGO = timedelta(days=100)
LATELY = timedelta(days=1)


@pytest.fixture(params=["postgres", "sqlite"])
async def database(
    request: pytest.FixtureRequest, postgres_server_url: str, tmp_path: Path
) -> AsyncIterator[tuple[str, AsyncEngine]]:
    async with migrated_database(
        str(request.param), postgres_server_url, tmp_path, migrations_config
    ) as url:
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            await engine.dispose()


def _action(key: str, state: State, age: timedelta, *, finished: bool) -> ActionRow:
    moment = now() - age
    return ActionRow(
        action_id=key,
        idempotency_key=key,
        kind="release",
        state=state.value,
        group_id=GROUP,
        user_id=1,
        reason="verified",
        request={},
        attempts=1,
        due_at=moment,
        created_at=moment,
        finished_at=moment if finished else None,
    )


def _restriction(user_id: int, *, active: bool, age: timedelta) -> RestrictionRow:
    moment = now() - age
    return RestrictionRow(
        group_id=GROUP,
        user_id=user_id,
        active=active,
        until_date=int((now() + timedelta(days=2)).timestamp()),
        reason="not_subscribed",
        imposed_at=moment,
        released_at=None if active else moment,
    )


def _join_request(user_id: int, state: str) -> JoinRequestRow:
    return JoinRequestRow(group_id=GROUP, user_id=user_id, state=state, created_at=now() - LONG_AGO)


def _activity(age: timedelta) -> ActivityRow:
    hour = int((now() - age).timestamp()) // 3600
    return ActivityRow(
        group_id=GROUP, hour=hour, messages_checked=1, joins_checked=0, bot_api_calls=0
    )


async def _seed(ledger: Ledger) -> None:
    async with ledger.transaction() as stores:
        stores.session.add_all(
            [
                *(
                    _action(f"old-{state}-{n}", state, LONG_AGO, finished=True)
                    for state in (State.DONE, State.FAILED, State.SKIPPED)
                    for n in range(2)
                ),
                _action("old-pending", State.PENDING, LONG_AGO, finished=False),
                _action("old-running", State.RUNNING, LONG_AGO, finished=False),
                _action("recent-done", State.DONE, LATELY, finished=True),
                _restriction(1, active=True, age=LONG_AGO),
                _restriction(2, active=False, age=LONG_AGO),
                _restriction(3, active=False, age=LATELY),
                _join_request(1, "approved"),
                _join_request(2, "waiting"),
                WarningRow(group_id=GROUP, user_id=1, message_id=7, expires_at=now() - LONG_AGO),
                WarningRow(group_id=GROUP, user_id=2, message_id=8, expires_at=now() + LATELY),
                ReleaseRow(group_id=GROUP, user_id=0, released_at=now() - LONG_AGO),
                ReleaseRow(group_id=GROUP, user_id=1, released_at=now() - LATELY),
                _activity(LONG_AGO),
                _activity(LATELY),
                ChannelJoinRow(
                    group_id=GROUP, channel_id=-1, user_id=1, joined_at=now() - LONG_AGO
                ),
                ChannelJoinRow(group_id=GROUP, channel_id=-1, user_id=2, joined_at=now() - LATELY),
                ChannelWarningRow(
                    group_id=GROUP, channel_id=-1, user_id=1, warned_at=now() - LONG_AGO
                ),
                ChannelWarningRow(
                    group_id=GROUP, channel_id=-1, user_id=3, warned_at=now() - LATELY
                ),
            ]
        )


async def _left(ledger: Ledger) -> dict[str, list[Any]]:
    async with ledger.transaction() as stores:
        session = stores.session
        return {
            "actions": sorted(await session.scalars(select(ActionRow.action_id))),
            "restrictions": sorted(await session.scalars(select(RestrictionRow.user_id))),
            "join_requests": sorted(await session.scalars(select(JoinRequestRow.user_id))),
            "warnings": sorted(await session.scalars(select(WarningRow.user_id))),
            "releases": sorted(await session.scalars(select(ReleaseRow.user_id))),
            "activity": sorted(await session.scalars(select(ActivityRow.messages_checked))),
            "channel_joins": sorted(await session.scalars(select(ChannelJoinRow.user_id))),
            "channel_warnings": sorted(await session.scalars(select(ChannelWarningRow.user_id))),
        }


KEPT = {
    "actions": ["old-pending", "old-running", "recent-done"],
    "restrictions": [1, 3],
    "join_requests": [2],
    "warnings": [2],
    "releases": [1],
    "activity": [1],
    "channel_joins": [2],
    "channel_warnings": [3],
}


async def test_what_finished_long_ago_goes_in_batches_and_nothing_in_force_does(
    database: tuple[str, AsyncEngine],
) -> None:
    _, engine = database
    ledger = Ledger(engine, patience=1.0)
    await _seed(ledger)

    deleted = await LedgerRetention(ledger, days=90, batch=2).prune()
    again = await LedgerRetention(ledger, days=90, batch=2).prune()

    assert deleted == {
        "actions": 6,
        "restrictions": 1,
        "warnings": 1,
        "join_requests": 1,
        "releases": 1,
        "activity": 1,
        "channel_joins": 1,
        "channel_requests": 0,
        "channel_warnings": 1,
    }
    assert set(again.values()) == {0}
    assert await _left(ledger) == KEPT


async def test_a_batch_deletes_no_more_than_its_size(database: tuple[str, AsyncEngine]) -> None:
    _, engine = database
    ledger = Ledger(engine, patience=1.0)
    await _seed(ledger)

    async with ledger.transaction() as stores:
        first = await stores.actions.prune(now() - timedelta(days=90), 4)
    async with ledger.transaction() as stores:
        count = await stores.session.scalar(select(func.count()).select_from(ActionRow))

    assert first == 4
    assert count == 9 - 4


async def test_the_service_prunes_its_ledger_by_itself(
    world: Group, database: tuple[str, AsyncEngine], redis_url: str
) -> None:
    url, engine = database
    ledger = Ledger(engine, patience=1.0)
    await _seed(ledger)
    settings = enforcement_settings(
        world.sandbox.url,
        world.token,
        url,
        redis_url if url.startswith("postgresql") else None,
        ledger_retention_days=90,
    )

    async with running_enforcement(settings):

        async def pruned() -> bool:
            return await _left(ledger) == KEPT

        await eventually(pruned, seconds=10)
