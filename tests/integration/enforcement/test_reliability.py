"""Nothing lost, nothing twice, within Telegram's limits: 429 storms, 5xx, slots free while
actions wait for their warning, a warning's expiry. (Killed processes and two replicas:
test_restarts.py.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.enforcement.calls import done, enforce
from tests.support.enforcement import Group, warning
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def test_a_429_storm_is_waited_out_and_nothing_is_lost(
    world: Group, enforcement: Stub
) -> None:
    users = [await world.member() for _ in range(4)]
    await world.control.set_faults(
        storm_seconds=1.5, storm_retry_after=1, storm_methods=["restrictChatMember"]
    )

    responses = [await enforce(enforcement, world, u, f"storm:{u}") for u in users]
    for response in responses:
        await done(enforcement, world, response.action_id)

    for user in users:
        assert (await world.control.member(world.group, user))["status"] == "restricted"
    calls = await world.calls("restrictChatMember")
    refused = [c for c in calls if c["error_code"] == 429]
    assert sum(1 for c in calls if c["ok"]) == 4
    assert 1 <= len(refused) <= 8  # the pause is honoured, not hammered


async def test_server_errors_are_retried_until_done(world: Group, enforcement: Stub) -> None:
    users = [await world.member() for _ in range(6)]
    await world.control.set_faults(error_rate=0.3, seed=11)

    responses = [
        await enforce(enforcement, world, u, f"5xx:{u}", with_warning=False) for u in users
    ]
    for response in responses:
        await done(enforcement, world, response.action_id)

    restricted = [await world.control.member(world.group, u) for u in users]
    assert {m["status"] for m in restricted} == {"restricted"}


@pytest.mark.parametrize(
    "enforcement", [{"workers": 2, "warning_coalesce_seconds": 3.0}], indirect=True
)
async def test_actions_waiting_for_their_warning_do_not_hold_the_slots_mutes_need(
    world: Group, enforcement: Stub
) -> None:
    """A raid's warnings wait their turn for minutes; the deletions and mutes behind them do not,
    nor do the actions waiting for their chat's batch of deletions. Two working slots, six
    violators: their messages gone and all six muted before the first warning (held three
    seconds to gather them) is even sent."""
    users = [await world.member() for _ in range(6)]
    messages = [await world.said(user) for user in users]

    responses = [
        await enforce(enforcement, world, u, f"aside:{u}", m)
        for u, m in zip(users, messages, strict=True)
    ]

    async def all_muted() -> bool:
        return len([c for c in await world.calls("restrictChatMember") if c["ok"]]) == len(users)

    await eventually(all_muted, seconds=2.5)
    assert await world.calls("sendMessage") == []
    # In one batch or a few: a loaded machine spaced the six calls past the batch's quiet close.
    assert sorted(m for batch in await world.deletions() for m in batch) == sorted(messages)
    for response in responses:
        await done(enforcement, world, response.action_id)
    assert len(await world.calls("sendMessage")) == 1  # then one warning for all six


@pytest.mark.parametrize("backend", ["sqlite+local"], indirect=True)
async def test_a_warning_is_removed_after_its_time(world: Group, enforcement: Stub) -> None:
    user = await world.member()

    response = await enforce(enforcement, world, user, "expire", warning=warning(ttl_seconds=10))
    await done(enforcement, world, response.action_id)
    (sent,) = await world.calls("sendMessage")

    async def deleted() -> bool:
        return any(c["ok"] for c in await world.calls("deleteMessage"))

    await eventually(deleted, seconds=20)
    (deletion,) = await world.calls("deleteMessage")
    assert deletion["params"]["message_id"] == str(sent["result"]["message_id"])
