"""The budget leased over gRPC (`make run`): a leased call counts in Telegram's second until its
answer is reported; a client from before `Answered` is still served; a call id that makes no
sense is refused. Read on the owner's budget at a moment the test names, so nothing waits."""

from __future__ import annotations

import time

import grpc
import pytest

from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.budget.leased import LeasedBudget
from gmbot.runtime.budget.window import WindowLimit
from gmbot.v1 import budget_pb2 as pb
from gmbot.v1 import budget_pb2_grpc
from tests.support.budget import budget_lessees

# Two calls in any second, and no spacing to speak of between grants.
TWO_A_SECOND = Spacing(
    overall=0.000_001,
    group_message=3.0,
    calls=WindowLimit(2, 1.0),
    group_messages=WindowLimit(20, 60.0),
)


def _full_a_second_on(budget: LocalBudget) -> bool:
    """Whether a call asked a little over a second from now would still find the window full."""
    later = time.monotonic() + 1.1
    return budget.decide(None, Priority.CHECK, False, now=later, call="probe") > 0


async def test_a_leased_call_counts_until_its_answer_is_reported() -> None:
    budget = LocalBudget(TWO_A_SECOND)
    async with budget_lessees(budget, 1) as (channel,):
        lessee = LeasedBudget(budget_pb2_grpc.BudgetServiceStub(channel))
        first = await lessee.acquire(None, Priority.CHECK)
        second = await lessee.acquire(None, Priority.CHECK)
        in_flight = _full_a_second_on(budget)
        await lessee.answered(first)
        await lessee.answered(first)  # twice: changes nothing
        await lessee.answered(second)
        answered = _full_a_second_on(budget)

    assert in_flight
    assert not answered


async def test_a_client_from_before_answered_has_each_call_counted_as_answered_at_once() -> None:
    budget = LocalBudget(TWO_A_SECOND)
    async with budget_lessees(budget, 1) as (channel,):
        stub = budget_pb2_grpc.BudgetServiceStub(channel)
        asked = [
            await stub.Acquire(pb.AcquireRequest(priority=pb.CALL_PRIORITY_CHECK)) for _ in "ab"
        ]

    assert [a.wait_ms for a in asked] == [0, 0]
    # Neither is left counting until it would have timed out: the second after, room again.
    assert not _full_a_second_on(budget)


@pytest.mark.parametrize(
    ("method", "request_"),
    [
        ("Acquire", pb.AcquireRequest(priority=pb.CALL_PRIORITY_CHECK, call_id="x" * 65)),
        ("Answered", pb.AnsweredRequest(call_id="")),
        ("Answered", pb.AnsweredRequest(call_id="x" * 65)),
    ],
    ids=["acquire-long-id", "answered-no-id", "answered-long-id"],
)
async def test_a_call_id_that_makes_no_sense_is_refused(
    method: str, request_: pb.AcquireRequest | pb.AnsweredRequest
) -> None:
    async with budget_lessees(LocalBudget(TWO_A_SECOND), 1) as (channel,):
        rpc = getattr(budget_pb2_grpc.BudgetServiceStub(channel), method)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await rpc(request_)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "call_id" in (refused.value.details() or "")
