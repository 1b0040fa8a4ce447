"""Flow 3 over fake back ends: a join request in a group that gates them."""

from __future__ import annotations

import grpc

from gmbot.gateway.flows.join_requests import on_join_request
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import GROUP, MALLORY, MEMBER, everyone_is, protected


async def test_a_join_request_from_a_subscriber_is_approved() -> None:
    fakes = Fakes()
    protected(fakes, gate_join_requests=True)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "approved"

    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert decision.idempotency_key == "u300:join-request"
    assert decision.decision == enforcement.JOIN_DECISION_APPROVE
    assert decision.reason == enforcement.ACTION_REASON_VERIFIED


async def test_a_join_request_from_a_non_subscriber_waits_and_is_told_what_to_join() -> None:
    fakes = Fakes()
    protected(fakes, gate_join_requests=True)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "waiting"

    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert decision.decision == enforcement.JOIN_DECISION_WAIT
    assert decision.user_chat_id == MEMBER
    assert [b.url for b in decision.notice.join_buttons] == ["https://t.me/news"]


async def test_a_join_request_is_never_declined_for_an_unknown_answer() -> None:
    fakes = Fakes()
    protected(fakes, gate_join_requests=True)
    fakes.membership.answer("CheckMembership", rpc_error(grpc.StatusCode.UNAVAILABLE))

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "unknown"
    assert fakes.enforcement.calls == []
