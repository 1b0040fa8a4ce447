"""OpenTelemetry traces: off unless the standard OTEL_* variables ask for them.

On when OTEL_TRACES_EXPORTER names an exporter (`otlp`, `console`) or an OTLP endpoint is set
(OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the exporter then being
`otlp`); OTEL_SDK_DISABLED=true turns it off whatever else says. OTLP is sent as HTTP/protobuf.
The SDK itself reads the rest: OTEL_SERVICE_NAME (each service's name by default),
OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_EXPORTER_OTLP_HEADERS.

What is traced once on: gRPC calls made and served (gmbot.runtime.server / .client), the Bot
API calls (aiohttp's client, with the token cut out of the URL), Redis commands, SQL statements
(gmbot.runtime.database), the gateway's webhook (not its probes), and the enforcement queue's
hand-over (`sent` and `continued`), so one update is one trace across the four services.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace

if TYPE_CHECKING:
    # The SDK is imported once tracing is on (init_tracing, at start-up): off, the API's no-op
    # tracer is all a process needs.
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

_tracer = trace.get_tracer("gmbot")
# The Bot API's URLs carry the token: https://api.telegram.org/bot<token>/<method>.
_TOKEN_IN_PATH = re.compile(r"/bot[^/]+/")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def exporters_wanted(environ: Mapping[str, str]) -> list[str]:
    """The exporters the environment asks for; none means tracing stays off."""
    if _flag(environ.get("OTEL_SDK_DISABLED")):
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if named:
        return [n for n in (x.strip() for x in named.split(",")) if n and n != "none"]
    endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return ["otlp"] if any(environ.get(name) for name in endpoints) else []


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER: unknown exporter {name!r} (otlp, console, none)")
    protocol = environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
    )
    if protocol not in ("", "http/protobuf"):
        raise ValueError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: GMBot sends OTLP as http/protobuf, not {protocol!r}"
        )
    # Imported only when used: the exporter pulls in an HTTP client the services do not need.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def scrub_url(url: Any) -> str:
    """A Bot API URL without its token (aiohttp's instrumentation records URLs)."""
    return _TOKEN_IN_PATH.sub("/bot[redacted]/", str(url))


def init_tracing(service: str, environ: Mapping[str, str] = os.environ) -> TracerProvider | None:
    """Starts tracing when the environment asks for it; returns the provider to shut down at
    exit, or None when tracing stays off. Raises ValueError naming a bad variable."""
    wanted = exporters_wanted(environ)
    if not wanted:
        return None
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporters = [_exporter(name, environ) for name in wanted]
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the service's own name.
    resource = Resource.create({"service.name": service}).merge(OTELResourceDetector().detect())
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _instrument_libraries()
    return provider


# Probes and scrapes, each its own trace every few seconds, would bury the updates' traces;
# the instrumentations' own variables may say otherwise.
_QUIET = {
    "OTEL_PYTHON_GRPC_EXCLUDED_SERVICES": "grpc.health.v1.Health",
    "OTEL_PYTHON_AIOHTTP_SERVER_EXCLUDED_URLS": "healthz,readyz,metrics",
}


def _instrument_libraries() -> None:
    """What is patched process-wide: sessions, clients and HTTP apps are made deep inside
    aiogram, the services' stores and the gateway, after this ran. Each instrumentation is there
    only where its library is (tenancy carries neither aiohttp nor Redis)."""
    for name, value in _QUIET.items():
        os.environ.setdefault(name, value)
    try:
        # The gateway's webhook: a span per delivery, the root of its update's trace.
        from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
    except ImportError:
        pass
    else:
        AioHttpServerInstrumentor().instrument()
    try:
        from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    except ImportError:
        pass
    else:
        AioHttpClientInstrumentor().instrument(url_filter=scrub_url)
    try:
        from opentelemetry.instrumentation.redis import RedisInstrumentor
    except ImportError:
        pass
    else:
        RedisInstrumentor().instrument()


def shutdown_tracing(provider: TracerProvider | None) -> None:
    """Sends what is still buffered (the spans of the last calls before a stop)."""
    if provider is not None:
        provider.shutdown()


def enabled() -> bool:
    """Whether this process traces (init_tracing installed the SDK's provider): never while the
    SDK is not even loaded."""
    sdk = sys.modules.get("opentelemetry.sdk.trace")
    return sdk is not None and isinstance(trace.get_tracer_provider(), sdk.TracerProvider)


def server_interceptors() -> list[Any]:
    """Interceptors for a gRPC server: a span per call, continuing the caller's trace."""
    if not enabled():
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    return [aio_server_interceptor()]  # type: ignore[no-untyped-call]  # untyped upstream


def client_interceptors() -> list[Any]:
    """Interceptors for a gRPC channel: a span per call, its context sent in the metadata."""
    if not enabled():
        return []
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return list(aio_client_interceptors())  # type: ignore[no-untyped-call]  # untyped upstream


def trace_engine(engine: Any) -> None:
    """A span per SQL statement of this (async) SQLAlchemy engine."""
    if not enabled():
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses are unchanged.
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)


def sent() -> dict[str, str]:
    """The current trace context, to store beside work handed to another task or process
    (empty when tracing is off)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def continued(name: str, carrier: Mapping[str, str]) -> Iterator[None]:
    """A span continuing the trace that handed this work over (`sent`)."""
    with _tracer.start_as_current_span(
        name, context=propagate.extract(dict(carrier)), kind=trace.SpanKind.CONSUMER
    ):
        yield


def current_ids() -> tuple[str, str] | None:
    """The current trace and span ids (hex, as collectors show them), or None outside a span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)
