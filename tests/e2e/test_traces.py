"""One update, one trace: with the standard OTEL_* variables set, every service sends its spans
by OTLP/HTTP to a collector (here, a receiver of this test's own), and the spans of one webhook
delivery link the gateway, membership and enforcement down to the Bot API calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from gmbot.devstack.stack import RunningStack, StackConfig
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from tests.support.membership import forget_keys
from tests.support.migrated_databases import stack_databases
from tests.support.stack_starts import started_alone
from tests.support.waiting import eventually


@dataclass(frozen=True)
class Received:
    service: str
    span: Span

    @property
    def trace_id(self) -> str:
        return self.span.trace_id.hex()

    def attribute(self, key: str) -> str:
        return next((a.value.string_value for a in self.span.attributes if a.key == key), "")


@dataclass
class Collector:
    """An OTLP/HTTP receiver: every span the services export, with its service's name."""

    spans: list[Received] = field(default_factory=list)

    async def export(self, request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest.FromString(await request.read())
        for resource_spans in message.resource_spans:
            service = next(
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                self.spans += [Received(service, s) for s in scope_spans.spans]
        return web.Response(
            body=ExportTraceServiceResponse().SerializeToString(),
            content_type="application/x-protobuf",
        )


@dataclass
class Traced:
    sandbox: RunningSandbox
    stack: RunningStack
    collector: Collector
    bot_id: int
    token: str


@pytest.fixture(scope="module")
async def traced(
    postgres_server_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Traced]:
    collector = Collector()
    app = web.Application()
    app.router.add_post("/v1/traces", collector.export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}"
    # The standard variables only; each service names itself.
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    prefix = {"REDIS_PREFIX": f"test:{uuid.uuid4().hex}:"}
    data = tmp_path_factory.mktemp("traces")
    try:
        async with (
            running_sandbox() as sandbox,
            stack_databases(postgres_server_url, data) as (tenancy_db, enforcement_db),
        ):
            bot = await sandbox.control.create_bot("gmbot_traced_bot")
            config = StackConfig(
                data_dir=data,
                bot_token=bot["token"],
                telegram_api_url=sandbox.url,
                tenancy_database_url=tenancy_db,
                enforcement_database_url=enforcement_db,
                migrated=True,
                redis_url=redis_url,
                webhook=True,
                log_dir=data / "logs",
                env={
                    name: {**prefix, **otel}
                    for name in ("gateway", "tenancy", "membership", "enforcement")
                },
            )
            async with started_alone(config, tmp_path_factory) as stack:
                yield Traced(sandbox, stack, collector, int(bot["user"]["id"]), bot["token"])
    finally:
        await runner.cleanup()
        await forget_keys(redis_url, prefix["REDIS_PREFIX"])


async def _wait_for_call(traced: Traced, mark: int, method: str) -> None:
    async def called() -> bool:
        control = traced.sandbox.control
        return bool(await control.journal(since=mark, bot_id=traced.bot_id, method=method))

    await eventually(called, 20, every=0.2, what=f"a {method} call")


def _log_lines(log_dir: Path, service: str) -> list[dict[str, object]]:
    lines = (log_dir / f"{service}.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def _erin_muted(traced: Traced) -> None:
    """An owner protects a group; Erin, who follows no channel, writes there and is muted."""
    control = traced.sandbox.control
    owner = int((await control.create_user("TraceOwner"))["id"])
    erin = int((await control.create_user("TraceErin"))["id"])
    group = int((await control.create_chat("supergroup", "Traced", creator_id=owner))["id"])
    username = f"traced{abs(group) % 100000}"
    channel = int(
        (await control.create_chat("channel", "Traced", username=username, creator_id=owner))["id"]
    )
    await control.promote(group, traced.bot_id)
    await control.promote(channel, traced.bot_id)
    await control.join(group, erin)
    mark = int((await control.counters())["last_seq"])
    await control.say(group, owner, f"/protect @{username}")
    await _wait_for_call(traced, mark, "sendMessage")
    mark = int((await control.counters())["last_seq"])

    await control.say(group, erin, "hello")  # Erin follows no channel: muted, by webhook
    await _wait_for_call(traced, mark, "restrictChatMember")


async def _the_trace_of_the_mute(traced: Traced) -> tuple[str, list[Received]]:
    """The id and spans of the trace that muted Erin, once every service's part is exported."""

    def restricted() -> list[Received]:
        return [
            r
            for r in traced.collector.spans
            if r.span.kind == Span.SPAN_KIND_CLIENT
            and "restrictChatMember" in r.attribute("url.full") + r.attribute("http.url")
        ]

    async def exported() -> bool:
        return bool(restricted())

    await eventually(exported, 20, every=0.2, what="the spans exported")
    trace_id = restricted()[0].trace_id
    wanted = {
        ("gateway", Span.SPAN_KIND_SERVER),
        ("gateway", Span.SPAN_KIND_CLIENT),
        ("membership", Span.SPAN_KIND_SERVER),
        ("membership", Span.SPAN_KIND_CLIENT),
        ("enforcement", Span.SPAN_KIND_SERVER),
        ("enforcement", Span.SPAN_KIND_CONSUMER),
        ("enforcement", Span.SPAN_KIND_CLIENT),
    }

    def of_the_trace() -> list[Received]:
        return [r for r in traced.collector.spans if r.trace_id == trace_id]

    async def complete() -> bool:
        return wanted <= {(r.service, r.span.kind) for r in of_the_trace()}

    # The webhook delivery is the root; the gateway's gRPC calls, membership's and enforcement's
    # servers, enforcement's worker and the Bot API calls (membership's getChatMember,
    # enforcement's restrictChatMember) all hang below it.
    await eventually(complete, 20, every=0.2, what="the whole trace exported")
    return trace_id, of_the_trace()


async def test_one_update_is_one_trace_from_the_webhook_to_the_bot_api_call(
    traced: Traced,
) -> None:
    await _erin_muted(traced)
    trace_id, spans = await _the_trace_of_the_mute(traced)
    by_id = {r.span.span_id: r for r in spans}
    roots = [r for r in spans if not r.span.parent_span_id]
    assert [(r.service, r.span.kind) for r in roots] == [("gateway", Span.SPAN_KIND_SERVER)]
    assert all(r.span.parent_span_id in by_id for r in spans if r.span.parent_span_id)
    # The token never leaves in a span (aiogram's URLs carry it).
    secret = traced.token.split(":")[1]
    assert not [r for r in traced.collector.spans if secret in str(r.span)]
    # The log lines written inside the trace carry its id (the servers' line per call; the
    # gateway's line per update is at DEBUG).
    log_dir = traced.stack.config.log_dir
    assert log_dir is not None
    for service in ("tenancy", "membership", "enforcement"):
        assert any(line.get("trace_id") == trace_id for line in _log_lines(log_dir, service))
