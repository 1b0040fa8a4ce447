"""On SIGTERM enforcement drains within its bound: the gRPC server's grace, then DRAIN_SECONDS
for the actions in hand, then what is unfinished is handed back to the ledger (never lost), so
a pod's terminationGracePeriodSeconds can be set to cover it (tests/unit/deploy)."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from gmbot.enforcement.domain.actions import State
from gmbot.enforcement.storage.models import ActionRow
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.support.databases import fresh_postgres
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.services import channel_to
from tests.support.waiting import eventually

GRACE, DRAIN = 1.0, 1.0
# Handing actions back and closing the pools and clients.
CLOSING = 2.0


async def _states(database_url: str, user_id: int) -> list[str]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(ActionRow.state).where(ActionRow.user_id == user_id)
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def test_the_drain_ends_within_its_bound_and_hands_back_what_is_unfinished(
    world: Group, postgres_server_url: str, redis_url: str
) -> None:
    member = await world.member()
    async with fresh_postgres(postgres_server_url) as database_url:
        settings = enforcement_settings(
            world.sandbox.url,
            world.token,
            database_url,
            redis_url,
            shutdown_grace_seconds=GRACE,
            drain_seconds=DRAIN,
        )
        async with running_enforcement(settings) as service:
            # Telegram hangs: the mute stays in hand far longer than the drain allows.
            await world.control.set_faults(latency=5.0)
            async with channel_to(service.port) as channel:
                stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
                await stub.Enforce(
                    pb.EnforceRequest(
                        idempotency_key=f"drain:{member}",
                        group_id=world.group,
                        user_id=member,
                        action=pb.MEMBER_ACTION_MUTE,
                    )
                )

            async def in_hand() -> bool:
                return State.RUNNING.value in await _states(database_url, member)

            await eventually(in_hand)
            stopping = time.monotonic()
        stopped_after = time.monotonic() - stopping
        await world.control.set_faults(latency=0.0)

        assert stopped_after < GRACE + DRAIN + CLOSING
        assert await _states(database_url, member) == [State.PENDING.value]
