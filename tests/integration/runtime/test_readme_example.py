"""The README's "Calling GMBot from your service" example, run as written, with nothing but the
gmbot-contracts distribution installed, against a live membership service that knows the caller
by its own token (membership reads only)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from tests.support.caller_world import CALLER_TOKEN as TOKEN
from tests.support.caller_world import CallerWorld as Live
from tests.support.caller_world import caller_world

ROOT = Path(__file__).resolve().parents[3]


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- example: membership-check -->\n```python\n(.*?)```", readme, re.S)
    assert match, "the README lost its membership-check example"
    return match[1]


@pytest.fixture(scope="module")
def contracts_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with gmbot-contracts installed from proto/, and nothing else of GMBot."""
    venv = tmp_path_factory.mktemp("contracts") / "venv"
    uv = ROOT / ".tools" / "bin" / "uv"
    subprocess.run([uv, "venv", "--quiet", "--python", "python3.11", venv], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", ROOT / "proto"],
        check=True,
    )
    return venv / "bin" / "python"


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    async with caller_world() as world:
        yield world


async def _run(python: Path, live: Live, script: Path, *args: int) -> str:
    process = await asyncio.create_subprocess_exec(
        python,
        "-I",
        script,
        *map(str, args),
        env={
            "PATH": os.environ["PATH"],
            "GMBOT_MEMBERSHIP_ADDR": live.address,
            "GMBOT_TOKEN": TOKEN,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode().strip()


async def test_the_readme_example_asks_membership_with_its_own_token(
    contracts_only: Path, live: Live, tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(readme_example())
    probe = subprocess.run(  # noqa: S603, ASYNC221 - a moment, before the service is asked
        [
            contracts_only,
            "-I",
            "-c",
            "import importlib.util as u; print(u.find_spec('gmbot.runtime'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    follows = await _run(contracts_only, live, script, live.follower, live.channel)
    stranger = await _run(contracts_only, live, script, live.stranger, live.channel)

    assert probe.stdout.strip() == "None"  # the stubs alone, none of the services' code
    assert follows == "follows"
    assert stranger == "does not follow"


if TYPE_CHECKING:  # grpc-stubs makes the interceptors generic; grpc's own are not
    _Unary = grpc.UnaryUnaryClientInterceptor[Any, Any]
    _Stream = grpc.StreamStreamClientInterceptor[Any, Any]
else:
    _Unary, _Stream = grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor


class _Bearer(_Unary, _Stream):
    """`-H "authorization: Bearer …"`: the token on every call, reflection's too."""

    def __init__(self, token: str) -> None:
        self._metadata = [("authorization", f"Bearer {token}")]

    def _with_token(self, details: Any) -> Any:
        return details._replace(metadata=[*(details.metadata or []), *self._metadata])

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)


def readme_grpcurl() -> tuple[list[str], list[str]]:
    """The README's two grpcurl commands, as words: `list`, then the call."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"\*\*grpcurl\*\*.*?```sh\n(.*?)```", readme, re.S)
    assert match, "the README lost its grpcurl example"
    commands = [shlex.split(line) for line in match[1].replace("\\\n", " ").splitlines()]
    listing, call = [words for words in commands if words[:1] == ["grpcurl"]]
    return listing, call


def grpcurl_like(address: str, token: str, body: dict[str, Any], method: str) -> tuple[Any, Any]:
    """What grpcurl does, with nothing compiled in: the services listed and the method's types
    learnt by reflection, the JSON body turned into the request, the answer back into JSON."""
    channel = grpc.intercept_channel(grpc.insecure_channel(address), _Bearer(token))
    with channel:
        reflection = ProtoReflectionDescriptorDatabase(channel)
        services = reflection.get_services()
        pool = descriptor_pool.DescriptorPool(reflection)
        service_name, method_name = method.rsplit("/", 1)
        described = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        request_type = message_factory.GetMessageClass(described.input_type)
        response_type = message_factory.GetMessageClass(described.output_type)
        call = channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        answer = call(json_format.ParseDict(body, request_type()), timeout=5)
        return services, json_format.MessageToDict(answer)


async def test_the_readme_grpcurl_calls_work_by_reflection_and_the_token(live: Live) -> None:
    """grpcurl itself is packaged neither by Debian nor by PyPI; this does what it does, from the
    README's own lines: only reflection and the caller's token, no stubs."""
    listing, call = readme_grpcurl()
    flags = ["grpcurl", "-plaintext", "-H", "authorization: Bearer $AUTH_TOKEN"]
    assert listing == [*flags, "$MEMBERSHIP_ADDR", "list"]
    assert call[: len(flags)] == flags
    body, method = json.loads(call[call.index("-d") + 1]), call[-1]
    assert set(body) == {"user_id", "channel_ids"}
    asked = {"user_id": live.stranger, "channel_ids": [live.channel]}

    services, answer = await asyncio.to_thread(grpcurl_like, live.address, TOKEN, asked, method)

    assert "gmbot.v1.MembershipService" in services
    assert answer["channels"][0]["status"] == "MEMBERSHIP_STATUS_NOT_MEMBER"
    assert answer.get("allMember", False) is False
