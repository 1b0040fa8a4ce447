"""A release of a mute the ledger does not hold (made after the backup it was restored from):
lifted only while Telegram still shows it as GMBot's, ending when the caller saw it end."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, state_of
from tests.support.enforcement import Group

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def _muted_unrecorded(world: Group, actor: int, until: int) -> int:
    """A member muted in Telegram the way GMBot mutes, with nothing in the ledger."""
    user = await world.member()
    await world.control.moderate(
        world.group, user, actor, "restrict", until_date=until, permissions={}
    )
    return user


async def _release(stub: Stub, world: Group, user: int, until: int, key: str) -> int:
    released = await stub.Release(
        pb.ReleaseRequest(
            idempotency_key=key,
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_MANUAL,
            unrecorded_until=Timestamp(seconds=until),
        )
    )
    await done(stub, world, released.action_id)
    return await state_of(stub, world, released.action_id)


async def test_an_unrecorded_mute_of_gmbots_shape_is_lifted(
    world: Group, enforcement: Stub
) -> None:
    until = int(time.time()) + 3600
    user = await _muted_unrecorded(world, world.bot_id, until)

    state = await _release(enforcement, world, user, until, "u:lift")

    assert state == pb.ACTION_STATE_DONE
    assert (await world.control.member(world.group, user))["status"] == "member"


async def test_an_unrecorded_mute_ending_otherwise_is_left_alone(
    world: Group, enforcement: Stub
) -> None:
    until = int(time.time()) + 3600
    user = await _muted_unrecorded(world, world.owner, until + 600)  # an admin's, set since

    await _release(enforcement, world, user, until, "u:other")

    member = await world.control.member(world.group, user)
    assert (member["status"], member["until_date"]) == ("restricted", until + 600)
    assert [c for c in await world.calls("restrictChatMember") if c["ok"]] == []


async def test_without_unrecorded_until_a_release_lifts_nothing_unrecorded(
    world: Group, enforcement: Stub
) -> None:
    until = int(time.time()) + 3600
    user = await _muted_unrecorded(world, world.bot_id, until)

    released = await enforcement.Release(
        pb.ReleaseRequest(idempotency_key="u:plain", group_id=world.group, user_id=user)
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_SKIPPED
    assert (await world.control.member(world.group, user))["status"] == "restricted"
