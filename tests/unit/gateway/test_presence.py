"""Where members were seen goes to membership in batches, each pair once: not again while its
batch is in flight, and again at the next flush when membership could not take it."""

from __future__ import annotations

import asyncio

import grpc

from gmbot.gateway.clients.presence import PresenceBatcher
from gmbot.v1 import membership_pb2 as pb
from tests.unit.gateway.fakes import rpc_error

GROUP, KIM = -1001, 7


class Membership:
    """Answers RecordPresenceBatch once the test lets it; records what each call told."""

    def __init__(self) -> None:
        self.told: list[list[tuple[int, int]]] = []
        self.answer = asyncio.Event()
        self.failure: grpc.aio.AioRpcError | None = None

    async def RecordPresenceBatch(  # noqa: N802 - the RPC's name
        self, request: pb.RecordPresenceBatchRequest
    ) -> pb.RecordPresenceBatchResponse:
        self.told.append([(p.group_id, p.user_id) for p in request.presences])
        await self.answer.wait()
        if self.failure is not None:
            raise self.failure
        return pb.RecordPresenceBatchResponse()


async def test_a_member_seen_again_while_her_batch_is_in_flight_is_not_told_twice() -> None:
    membership = Membership()
    presence = PresenceBatcher(membership)  # type: ignore[arg-type]
    presence.seen(GROUP, KIM)
    flushing = asyncio.create_task(presence.flush())
    await asyncio.sleep(0)  # the batch is in flight

    presence.seen(GROUP, KIM)  # her next message meanwhile
    membership.answer.set()
    await flushing
    await presence.flush()

    assert membership.told == [[(GROUP, KIM)]]


async def test_a_batch_membership_could_not_take_is_told_at_the_next_flush() -> None:
    membership = Membership()
    membership.failure = rpc_error(grpc.StatusCode.UNAVAILABLE)
    membership.answer.set()
    presence = PresenceBatcher(membership)  # type: ignore[arg-type]
    presence.seen(GROUP, KIM)
    await presence.flush()
    presence.seen(GROUP, KIM)  # not told yet: still pending, once

    membership.failure = None
    await presence.flush()

    assert membership.told == [[(GROUP, KIM)], [(GROUP, KIM)]]
