"""The three back-end services as the gateway sees them: typed stubs over authenticated channels,
and their failures as the gateway's own errors, so that nothing above this module needs grpc."""

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

_READS = {
    "gmbot.v1.TenancyService": ["GetGroupPolicy", "ListChannelGroups", "ListOwnerGroups"],
    "gmbot.v1.MembershipService": [
        "CheckMembership",
        "CheckMembershipBatch",
        "GetChatAdministrators",
        "ListUserGroups",
        "ListAdministeredGroups",
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
        "RecordChannelRequest",
        "EndChannelRequest",
        "ListPendingChannelRequests",
        "SetJoinConsent",
        "GetJoinConsent",
        "ListRecentActions",
        "ListRestrictedGroups",
        "GetGroupBoard",
    ],
}


class BackendError(Exception):
    """A call to a back end failed; `status` is the gRPC status name (for logs)."""

    outcome = "failed"

    def __init__(self, service: str, status: str, message: str) -> None:
        super().__init__(f"{service} {self.outcome}: {status} {message}".rstrip())
        self.service = service
        self.status = status
        self.message = message


class BackendUnavailable(BackendError):
    """A back end could not answer now; whatever depended on it is retried later."""

    outcome = "unavailable"


class Conflict(BackendUnavailable):
    """What the call was based on changed meanwhile (a stale version): asking again, with what is
    true now, may succeed."""


class BackendRefused(BackendError):
    """A back end answered that the call cannot be done as asked: retrying would not change it."""

    outcome = "refused"


class NotFound(BackendRefused):
    """What the call names does not exist (a group that was never protected)."""


class InvalidArgument(BackendRefused):
    """The back end refused a value; `message` says which, in English."""


# The statuses the gateway tells apart, as its own errors; any other is a refusal.
_ERRORS: dict[grpc.StatusCode, type[BackendError]] = {
    # "Not now" rather than "never": the update is retried later.
    grpc.StatusCode.UNAVAILABLE: BackendUnavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: BackendUnavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: BackendUnavailable,
    grpc.StatusCode.CANCELLED: BackendUnavailable,
    grpc.StatusCode.ABORTED: Conflict,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
}


async def call(service: str, pending: Awaitable[T]) -> T:
    """Awaits a stub call; a failure comes out as a BackendError (see _ERRORS)."""
    try:
        return await pending
    except grpc.aio.AioRpcError as error:
        code = error.code()
        raise _ERRORS.get(code, BackendRefused)(
            service, code.name, error.details() or ""
        ) from error


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
