"""The three back-end services as the gateway sees them: typed stubs over authenticated channels,
and one error for "that service cannot answer now"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gmbot.runtime.client import open_channel
from gmbot.runtime.settings import ClientSettings
from gmbot.v1 import enforcement_pb2_grpc, membership_pb2_grpc, tenancy_pb2_grpc

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub

T = TypeVar("T")

# Codes that mean "not now" rather than "never": the update is retried later.
_TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.CANCELLED,
}

_READS = {
    "gmbot.v1.TenancyService": ["GetGroupPolicy", "ListChannelGroups", "ListOwnerGroups"],
    "gmbot.v1.MembershipService": [
        "CheckMembership",
        "CheckMembershipBatch",
        "GetChatAdministrators",
        "ListUserGroups",
        "RecordPresence",
        "RecordChatMemberUpdate",
    ],
    # Every enforcement action carries an idempotency key, so a retry is harmless.
    "gmbot.v1.EnforcementService": [
        "Enforce",
        "Release",
        "Kick",
        "Ban",
        "Unban",
        "BanSenderChat",
        "DecideJoinRequest",
        "CreateInviteLink",
        "ListRecentActions",
        "ListRestrictedGroups",
    ],
}


class BackendUnavailable(Exception):
    """A back end could not answer now; whatever depended on it is retried later."""

    def __init__(self, service: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{service} unavailable: {code.name} {details}")
        self.service = service
        self.code = code


async def call(service: str, pending: Awaitable[T]) -> T:
    """Awaits a stub call, turning transient failures into BackendUnavailable."""
    try:
        return await pending
    except grpc.aio.AioRpcError as error:
        if error.code() in _TRANSIENT:
            raise BackendUnavailable(service, error.code(), error.details() or "") from error
        raise


@dataclass(frozen=True)
class Backends:
    tenancy: TenancyServiceAsyncStub
    membership: MembershipServiceAsyncStub
    enforcement: EnforcementServiceAsyncStub
    # grpc.health.v1 of each, by service name: readiness asks them.
    health: dict[str, health_pb2_grpc.HealthStub]

    async def serving(self) -> dict[str, bool]:
        """Which back ends answer SERVING right now."""
        answers = {}
        for name, stub in self.health.items():
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                answers[name] = reply.status == health_pb2.HealthCheckResponse.SERVING
            except grpc.aio.AioRpcError:
                answers[name] = False
        return answers


def _idempotent(service: str) -> list[tuple[str, str]]:
    return [(service, method) for method in _READS[service]]


@asynccontextmanager
async def connected(
    settings: ClientSettings, tenancy: str, membership: str, enforcement: str
) -> AsyncIterator[Backends]:
    channels = [
        open_channel(tenancy, settings, idempotent_methods=_idempotent("gmbot.v1.TenancyService")),
        open_channel(
            membership, settings, idempotent_methods=_idempotent("gmbot.v1.MembershipService")
        ),
        open_channel(
            enforcement, settings, idempotent_methods=_idempotent("gmbot.v1.EnforcementService")
        ),
    ]
    try:
        yield Backends(
            tenancy=tenancy_pb2_grpc.TenancyServiceStub(channels[0]),
            membership=membership_pb2_grpc.MembershipServiceStub(channels[1]),
            enforcement=enforcement_pb2_grpc.EnforcementServiceStub(channels[2]),
            health={
                name: health_pb2_grpc.HealthStub(channel)
                for name, channel in zip(
                    ("tenancy", "membership", "enforcement"), channels, strict=True
                )
            },
        )
    finally:
        for channel in channels:
            await channel.close(None)
