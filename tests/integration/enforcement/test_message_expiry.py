"""ExpireMessage: one of the bot's messages in a group (a settings panel) deleted at its time by
the ledger's scheduled work; asked again while it waits, the time moves; a message already gone
ends it all the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import recent_actions
from tests.support.enforcement import Group
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def _message(world: Group) -> int:
    """A message in the group (the bot, an administrator, may delete anyone's)."""
    return await world.said(await world.member("Ann"), "a settings panel, say")


async def _expire(stub: Stub, world: Group, message_id: int, delay: int) -> bool:
    request = pb.ExpireMessageRequest(
        chat_id=world.group, message_id=message_id, delay_seconds=delay
    )
    return (await stub.ExpireMessage(request)).renewed


async def _deleted(world: Group) -> list[int]:
    return [ids[0] for ids in await world.deletions()]


async def test_a_message_is_deleted_at_its_time_and_asking_again_moves_it(
    world: Group, enforcement: Stub
) -> None:
    soon, later = await _message(world), await _message(world)

    assert await _expire(enforcement, world, soon, 3600) is False
    assert await _expire(enforcement, world, later, 3600) is False
    # Asked again while it waits: the deletion moves to the new time (here, nearer).
    assert await _expire(enforcement, world, soon, 1) is True

    async def gone() -> bool:
        return soon in await _deleted(world)

    async def states() -> list[int]:
        expiries = [a for a in await recent_actions(enforcement, world) if a.user_id == 0]
        return sorted(a.state for a in expiries)

    async def recorded_done() -> bool:
        # The ledger marks the deletion done just after Telegram answered it.
        return await states() == [pb.ACTION_STATE_PENDING, pb.ACTION_STATE_DONE]

    await eventually(gone, 30.0)
    await eventually(recorded_done, 10.0, what="the deletion recorded done, the other pending")
    assert later not in await _deleted(world)
    # Carried out: asking again schedules nothing more.
    assert await _expire(enforcement, world, soon, 1) is False
    assert len(await recent_actions(enforcement, world)) == 2


async def test_a_message_already_gone_ends_its_deletion(world: Group, enforcement: Stub) -> None:
    await _expire(enforcement, world, 999_999, 1)  # no such message (any more)

    async def finished() -> bool:
        actions = await recent_actions(enforcement, world)
        return [a.state for a in actions] == [pb.ACTION_STATE_DONE]

    await eventually(finished, 30.0)


@pytest.mark.parametrize("delay", [0, 172_801])
async def test_a_delay_outside_48_hours_is_refused(
    world: Group, enforcement: Stub, delay: int
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _expire(enforcement, world, 5, delay)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
