"""One member, one mute (issue 11): a burst of violations by one member, each with its own
idempotency key (one per update, from any gateway replica), costs one mute and one warning;
every further message is only deleted. Once released, a new violation mutes again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.integration.enforcement.calls import done, enforce
from tests.support.databases import fresh_postgres
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.services import channel_to

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub

BURST = 10


async def _burst(stubs: list[Stub], world: Group, user: int) -> list[int]:
    """BURST messages of one member, each enforced at once with its own key (and replica)."""
    messages = [await world.said(user, f"spam {n}") for n in range(BURST)]
    responses = await asyncio.gather(
        *(
            enforce(stubs[n % len(stubs)], world, user, f"u{1000 + n}:message", message)
            for n, message in enumerate(messages)
        )
    )
    assert all(r.accepted for r in responses)
    for response in responses:
        await done(stubs[0], world, response.action_id)
    return messages


async def _deleted(world: Group) -> list[str]:
    """Every message id deleted, one by one or in batches."""
    ids = [call["params"]["message_id"] for call in await world.calls("deleteMessage")]
    for call in await world.calls("deleteMessages"):
        ids += [str(i) for i in json.loads(call["params"]["message_ids"])]
    return ids


def _mutes(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c for c in calls if json.loads(c["params"]["permissions"])["can_send_messages"] is False
    ]


async def test_a_burst_of_one_member_costs_one_mute_and_one_warning(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Mallory")

    messages = await _burst([enforcement], world, user)

    assert sorted(await _deleted(world)) == sorted(str(m) for m in messages)
    assert len(await world.calls("restrictChatMember")) == 1
    assert len(await world.calls("sendMessage")) == 1
    assert (await world.control.member(world.group, user))["status"] == "restricted"


async def test_once_released_a_new_violation_mutes_again(world: Group, enforcement: Stub) -> None:
    user = await world.member("Mallory")
    await _burst([enforcement], world, user)
    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="u2000:verified",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_VERIFIED,
        )
    )
    await done(enforcement, world, released.action_id)
    freed = (await world.control.member(world.group, user))["status"]

    again = await enforce(enforcement, world, user, "u3000:message", await world.said(user))
    await done(enforcement, world, again.action_id)

    assert freed == "member"
    restricts = await world.calls("restrictChatMember")
    assert len(restricts) == 3  # the mute, its release, the new mute
    assert len(_mutes(restricts)) == 2
    assert len(await world.calls("sendMessage")) == 2
    assert (await world.control.member(world.group, user))["status"] == "restricted"


async def test_two_replicas_sharing_a_burst_still_mute_once(
    world: Group, postgres_server_url: str, redis_url: str, tmp_path: Path
) -> None:
    user = await world.member("Mallory")
    async with fresh_postgres(postgres_server_url) as url:
        settings = enforcement_settings(world.sandbox.url, world.token, url, redis_url)
        shared = settings.model_copy(update={"migrate_on_start": False})
        async with (
            running_enforcement(settings) as first,
            running_enforcement(shared) as second,
            channel_to(first.port) as one,
            channel_to(second.port) as other,
        ):
            stubs = [enforcement_pb2_grpc.EnforcementServiceStub(c) for c in (one, other)]
            messages = await _burst(stubs, world, user)

    assert sorted(await _deleted(world)) == sorted(str(m) for m in messages)
    assert len(await world.calls("restrictChatMember")) == 1
    assert len(await world.calls("sendMessage")) == 1
