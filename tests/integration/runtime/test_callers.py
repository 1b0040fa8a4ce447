"""Per-caller credentials on a real server: each caller its own token and its own RPCs, two
tokens at once for rotation, refusals as PERMISSION_DENIED logged with the caller's name, and
the shared AUTH_TOKEN still the simple default."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from pydantic import SecretStr

from gmbot.runtime.callers import token_digest
from gmbot.runtime.client import open_channel
from gmbot.runtime.logs import configure_logging
from gmbot.runtime.server import RunningService
from gmbot.runtime.settings import ClientSettings
from gmbot.sandbox.app import running_sandbox
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1.membership_pb2_grpc import MembershipServiceStub
from gmbot.v1.tenancy_pb2_grpc import TenancyServiceStub
from tests.support.membership import running_membership
from tests.support.services import TEST_TOKEN, running_tenancy
from tests.support.waiting import eventually

GATEWAY_OLD = "gateway-old-token-0123456789abcdef"
GATEWAY_NEW = "gateway-new-token-0123456789abcdef"
BILLING = "billing-token-0123456789abcdef0123"
# The old token in the plain form an older install has, the new one as the digest the README
# asks for: a rotation in the middle of moving to digests.
CALLERS = (
    f"gateway:gateway:{GATEWAY_OLD};gateway:gateway:sha256:{token_digest(GATEWAY_NEW)};"
    f"billing:membership-read:sha256:{token_digest(BILLING)}"
)
OWNER_GROUPS = pb.ListOwnerGroupsRequest(owner_user_id=1)


@pytest.fixture
async def tenancy(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with running_tenancy(
        f"sqlite+aiosqlite:///{tmp_path / 't.db'}", auth_callers=SecretStr(CALLERS)
    ) as service:
        yield service


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("tenancy", "INFO", "json", stream)
    yield stream
    root.handlers[:], root.level = handlers, level


def _as(token: str) -> ClientSettings:
    return ClientSettings(caller_token=SecretStr(token), grpc_deadline_seconds=5)


async def _owner_groups(port: int, token: str) -> grpc.StatusCode:
    async with open_channel(f"127.0.0.1:{port}", _as(token)) as channel:
        try:
            await TenancyServiceStub(channel).ListOwnerGroups(OWNER_GROUPS)
        except grpc.aio.AioRpcError as error:
            return error.code()
    return grpc.StatusCode.OK


async def test_both_tokens_of_a_caller_work_during_rotation(tenancy: RunningService) -> None:
    assert await _owner_groups(tenancy.port, GATEWAY_OLD) == grpc.StatusCode.OK
    assert await _owner_groups(tenancy.port, GATEWAY_NEW) == grpc.StatusCode.OK


async def test_a_caller_outside_its_scopes_is_refused_and_named_in_the_log(
    tenancy: RunningService, json_logs: io.StringIO
) -> None:
    code = await _owner_groups(tenancy.port, BILLING)

    assert code == grpc.StatusCode.PERMISSION_DENIED

    def logged() -> list[dict[str, Any]]:
        return [json.loads(line) for line in json_logs.getvalue().splitlines()]

    # The access line is written once the call has ended on the server, a moment after the
    # caller reads its answer.
    async def access_line_written() -> bool:
        return any(line.get("event") == "rpc" for line in logged())

    await eventually(access_line_written, what="the call's access line")
    lines = logged()
    refused = [line for line in lines if line.get("event") == "rpc refused"]
    assert refused[-1]["caller"] == "billing"
    assert refused[-1]["method"] == "/gmbot.v1.TenancyService/ListOwnerGroups"
    assert refused[-1]["level"] == "warning"
    calls = [line for line in lines if line.get("event") == "rpc"]
    assert calls[-1]["code"] == "PERMISSION_DENIED"
    assert calls[-1]["caller"] == "billing"


async def test_an_unknown_token_is_unauthenticated(tenancy: RunningService) -> None:
    assert await _owner_groups(tenancy.port, "nobody-knows-this-token-0123") == (
        grpc.StatusCode.UNAUTHENTICATED
    )


async def test_the_shared_token_is_refused_when_only_callers_are_configured(
    tenancy: RunningService,
) -> None:
    assert await _owner_groups(tenancy.port, TEST_TOKEN) == grpc.StatusCode.OK  # both set here

    async with running_tenancy(
        "sqlite+aiosqlite:///:memory:", auth_token=None, auth_callers=SecretStr(CALLERS)
    ) as only_callers:
        assert await _owner_groups(only_callers.port, TEST_TOKEN) == (
            grpc.StatusCode.UNAUTHENTICATED
        )
        assert await _owner_groups(only_callers.port, GATEWAY_NEW) == grpc.StatusCode.OK


async def test_reflection_answers_any_known_caller(tenancy: RunningService) -> None:
    metadata = (("authorization", f"Bearer {BILLING}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tenancy.port}") as bare:
        call = reflection_pb2_grpc.ServerReflectionStub(bare).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), metadata=metadata
        )
        names = [s.name async for r in call for s in r.list_services_response.service]

    assert "gmbot.v1.TenancyService" in names


async def test_an_internal_caller_reads_membership_and_nothing_more() -> None:
    async with running_sandbox() as sandbox:
        bot = await sandbox.control.create_bot("gmbot_callers_bot")
        channel_id = int((await sandbox.control.create_chat("channel", "News"))["id"])
        await sandbox.control.promote(channel_id, int(bot["user"]["id"]))
        user = int((await sandbox.control.create_user("Ann"))["id"])
        async with (
            running_membership(
                sandbox.url, bot["token"], None, auth_callers=SecretStr(CALLERS)
            ) as service,
            open_channel(f"127.0.0.1:{service.port}", _as(BILLING)) as channel,
        ):
            stub = MembershipServiceStub(channel)
            answer = await stub.CheckMembership(
                membership.CheckMembershipRequest(user_id=user, channel_ids=[channel_id])
            )
            with pytest.raises(grpc.aio.AioRpcError) as record:
                await stub.RecordPresence(
                    membership.RecordPresenceRequest(user_id=user, group_id=-1001000000001)
                )
            with pytest.raises(grpc.aio.AioRpcError) as watch:
                async for _ in stub.WatchChanges(membership.WatchChangesRequest()):
                    pass

    assert answer.channels[0].status == membership.MEMBERSHIP_STATUS_NOT_MEMBER
    assert record.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "caller 'billing' may not call" in (record.value.details() or "")
    assert watch.value.code() == grpc.StatusCode.PERMISSION_DENIED
