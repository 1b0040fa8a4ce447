"""Each internal caller's bounded share, on a real server: a caller over its quota gets
RESOURCE_EXHAUSTED with a QuotaFailure naming it and a RetryInfo, others are not affected,
GMBot's own services have no quota, and `fresh` is for the callers whose scopes allow it."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from prometheus_client import REGISTRY
from pydantic import SecretStr

from gmbot.runtime.callers import token_digest
from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ClientSettings, ServiceSettings
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1.membership_pb2_grpc import MembershipServiceStub

REPORTS = "reports-token-0123456789abcdef0123"
CRM = "crm-token-0123456789abcdef01234567"
GATEWAY = "gateway-token-0123456789abcdef0123"
APP = "app-token-0123456789abcdef012345678"
CALLERS = ";".join(
    f"{name}:{scopes}:sha256:{token_digest(token)}"
    for name, scopes, token in (
        ("reports", "membership-read", REPORTS),
        ("crm", "membership-read", CRM),
        ("gateway", "gateway", GATEWAY),
        ("app", "membership-read+membership-fresh", APP),
    )
)


def _membership() -> Service:
    """Membership's CheckMembership as the interceptor sees it, answered at once."""

    async def check(request: membership.CheckMembershipRequest, context: Any) -> Any:
        return membership.CheckMembershipResponse()

    handler = grpc.method_handlers_generic_handler(
        "gmbot.v1.MembershipService",
        {
            "CheckMembership": grpc.unary_unary_rpc_method_handler(
                check,
                request_deserializer=membership.CheckMembershipRequest.FromString,
                response_serializer=membership.CheckMembershipResponse.SerializeToString,
            )
        },
    )
    return Service(
        name="membership",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["gmbot.v1.MembershipService"],
    )


def _settings() -> ServiceSettings:
    return ServiceSettings(
        auth_callers=SecretStr(CALLERS),
        caller_quotas="reports=10",
        caller_quota_per_second=100,
        grpc_port=0,
        metrics_enabled=False,
    )


async def _checks(port: int, token: str, count: int, *, fresh: bool = False) -> list[Any]:
    """`count` checks at once as the caller of `token`: each an answer or the RPC error."""
    settings = ClientSettings(caller_token=SecretStr(token), grpc_deadline_seconds=5)
    request = membership.CheckMembershipRequest(user_id=1, channel_ids=[-1001], fresh=fresh)
    async with open_channel(f"127.0.0.1:{port}", settings) as channel:
        stub = MembershipServiceStub(channel)
        await channel.channel_ready()
        return await asyncio.gather(
            *(stub.CheckMembership(request) for _ in range(count)), return_exceptions=True
        )


def _rejections(caller: str) -> float:
    return REGISTRY.get_sample_value("gmbot_grpc_quota_rejections_total", {"caller": caller}) or 0


def _refused(results: list[Any]) -> list[grpc.aio.AioRpcError]:
    return [r for r in results if isinstance(r, grpc.aio.AioRpcError)]


# Alone (marker serial): its eleven calls must fall within one second of the clock, which a
# busy CPU stretched past (seen in the pool of six beside a loaded machine).
@pytest.mark.serial
async def test_the_11th_call_in_a_second_of_a_caller_limited_to_10_is_refused() -> None:
    rejected_before = _rejections("reports")
    async with started(_membership(), _settings()) as service:
        reports = await _checks(service.port, REPORTS, 11)
        crm = await _checks(service.port, CRM, 11)
        gateway = await _checks(service.port, GATEWAY, 150)

    (refusal,) = _refused(reports)
    assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = rpc_status.from_call(refusal)  # type: ignore[arg-type]
    assert status is not None
    quota, retry = error_details_pb2.QuotaFailure(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(quota)
    assert status.details[1].Unpack(retry)
    assert quota.violations[0].subject == "caller:reports"
    assert 0 < retry.retry_delay.ToTimedelta().total_seconds() <= 0.1
    assert _rejections("reports") == rejected_before + 1
    # Another caller, and GMBot's own services (past any caller's quota), are unaffected.
    assert _refused(crm) == []
    assert _refused(gateway) == []


async def test_fresh_answers_only_for_the_callers_whose_scopes_allow_them() -> None:
    async with started(_membership(), _settings()) as service:
        (denied,) = await _checks(service.port, CRM, 1, fresh=True)
        (cached,) = await _checks(service.port, CRM, 1)
        (allowed,) = await _checks(service.port, APP, 1, fresh=True)

    assert isinstance(denied, grpc.aio.AioRpcError)
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "membership-fresh" in (denied.details() or "")
    assert isinstance(cached, membership.CheckMembershipResponse)
    assert isinstance(allowed, membership.CheckMembershipResponse)
