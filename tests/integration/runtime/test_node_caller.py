"""The Node.js caller (examples/node-caller): `npm ci` from its lockfile (skipped while the lockfile
is unchanged), its stubs generated from proto/ and compiled with its pinned TypeScript, run against
a live membership service that knows it by its own token."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gmbot.v1 import membership_pb2
from tests.support.caller_world import BILLING_DIGEST, CALLER_TOKEN, CallerWorld, caller_world

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "node-caller"
SERVICE = "gmbot.v1.MembershipService"
Context = grpc.aio.ServicerContext[Any, Any]
STAMP = EXAMPLE / "node_modules" / ".installed-from-lock"


def _npm(*args: str) -> None:
    subprocess.run(  # noqa: S603 - our own command line
        ["npm", *args, "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607 - npm on PATH
        cwd=EXAMPLE,
        check=True,
    )


@pytest.fixture(scope="module")
def node_caller() -> Path:
    """The compiled example: what its README section says to run, in the same order."""
    if shutil.which("npm") is None:
        subprocess.run(["bash", ROOT / "scripts" / "ensure-tools.sh", "npm"], check=True)  # noqa: S603, S607
    lock = hashlib.sha256((EXAMPLE / "package-lock.json").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != lock:
        _npm("ci")
        STAMP.write_text(lock)
    _npm("run", "build")
    return EXAMPLE / "dist" / "check-membership.js"


async def _run(script: Path, address: str, token: str, *args: int) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "node",
        script,
        *map(str, args),
        env={"PATH": os.environ["PATH"], "GMBOT_MEMBERSHIP_ADDR": address, "GMBOT_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode().strip()


@pytest.fixture
async def live() -> AsyncIterator[CallerWorld]:
    # `billing` may read memberships; `mailer` may only lease budget, nothing of membership.
    async with caller_world(
        f"billing:membership-read:sha256:{BILLING_DIGEST};mailer:budget:mailer-token-0123456789abcdef"
    ) as world:
        yield world


async def test_the_node_caller_asks_membership_with_its_own_token(
    node_caller: Path, live: CallerWorld
) -> None:
    follows = await _run(node_caller, live.address, CALLER_TOKEN, live.follower, live.channel)
    stranger = await _run(node_caller, live.address, CALLER_TOKEN, live.stranger, live.channel)

    assert follows == (0, "follows")
    assert stranger == (0, "does not follow")


async def test_the_node_caller_is_refused_outside_its_scope_and_with_an_unknown_token(
    node_caller: Path, live: CallerWorld
) -> None:
    mailer = "mailer-token-0123456789abcdef"
    outside = await _run(node_caller, live.address, mailer, live.follower, live.channel)
    unknown = await _run(node_caller, live.address, "x" * 32, live.follower, live.channel)

    assert outside[0] == 1
    assert outside[1].startswith("refused: PERMISSION_DENIED")
    assert unknown[0] == 1
    assert unknown[1].startswith("refused: UNAUTHENTICATED")


class _Flaky:
    """A stand-in membership that fails its first call with `first`, then answers "member": it
    counts how often the caller's channel tried (the retry policy is the client's, not GMBot's)."""

    def __init__(self, first: grpc.StatusCode) -> None:
        self.first = first
        self.calls = 0

    async def check(
        self, request: membership_pb2.CheckMembershipRequest, context: Context
    ) -> membership_pb2.CheckMembershipResponse:
        self.calls += 1
        if self.calls == 1:
            await context.abort(self.first, "the first call fails")
        return membership_pb2.CheckMembershipResponse(all_member=True)


async def _against_flaky(script: Path, first: grpc.StatusCode) -> tuple[int, tuple[int, str]]:
    server = grpc.aio.server()
    flaky = _Flaky(first)
    handler = grpc.unary_unary_rpc_method_handler(
        flaky.check,
        request_deserializer=membership_pb2.CheckMembershipRequest.FromString,
        response_serializer=membership_pb2.CheckMembershipResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(SERVICE, {"CheckMembership": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        result = await _run(script, f"127.0.0.1:{port}", CALLER_TOKEN, 1, -1001)
    finally:
        await server.stop(None)
    return flaky.calls, result


async def test_the_node_caller_retries_unavailable_from_its_service_config(
    node_caller: Path,
) -> None:
    calls, result = await _against_flaky(node_caller, grpc.StatusCode.UNAVAILABLE)

    assert (calls, result) == (2, (0, "follows"))


async def test_the_node_caller_never_retries_a_refusal(node_caller: Path) -> None:
    calls, result = await _against_flaky(node_caller, grpc.StatusCode.PERMISSION_DENIED)

    assert calls == 1
    assert result[0] == 1
    assert result[1].startswith("refused: PERMISSION_DENIED")
