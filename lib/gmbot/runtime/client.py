"""Channels to GMBot's services: a bearer token, the request id, a deadline on every call, and
retries of UNAVAILABLE declared in the service config (never a hand-written loop)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import grpc

from gmbot.runtime import tracing
from gmbot.runtime.budget.fairness import GROUP_KEY, work_for
from gmbot.runtime.interceptors import AUTHORIZATION_KEY, REQUEST_ID_KEY
from gmbot.runtime.logs import request_id
from gmbot.runtime.metrics import GRPC_CLIENT_HANDLED, GRPC_CLIENT_HANDLING_SECONDS, split_method
from gmbot.runtime.settings import ClientSettings


def _service_config(retry_methods: list[tuple[str, str]]) -> str:
    retry_policy = {
        "maxAttempts": 4,
        "initialBackoff": "0.05s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps(
        {
            "methodConfig": [
                {
                    "name": [{"service": s, "method": m} for s, m in retry_methods],
                    "retryPolicy": retry_policy,
                }
            ]
            if retry_methods
            else [],
            "loadBalancingConfig": [{"round_robin": {}}],
        }
    )


if TYPE_CHECKING:
    _Interceptor = grpc.aio.UnaryUnaryClientInterceptor[Any, Any]
    _StreamInterceptor = grpc.aio.UnaryStreamClientInterceptor[Any, Any]
else:  # grpc's runtime classes are not generic
    _Interceptor = grpc.aio.UnaryUnaryClientInterceptor
    _StreamInterceptor = grpc.aio.UnaryStreamClientInterceptor


def _with_credentials(
    details: grpc.aio.ClientCallDetails, auth: tuple[str, str], timeout: float | None
) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata.add(*auth)
    current = request_id.get()
    if current is not None:
        metadata.add(REQUEST_ID_KEY, current)
    group = work_for.get()
    if group is not None:
        metadata.add(GROUP_KEY, str(group))
    return grpc.aio.ClientCallDetails(
        method=details.method,
        timeout=timeout,
        metadata=metadata,
        credentials=details.credentials,
        wait_for_ready=details.wait_for_ready,
    )


class _StreamCredentials(_StreamInterceptor):
    """Credentials and the request id for server streams; a stream lives as long as its caller
    wants, so it gets no deadline of ours."""

    def __init__(self, auth_token: str) -> None:
        self._auth = (AUTHORIZATION_KEY, f"Bearer {auth_token}")

    async def intercept_unary_stream(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        details = _with_credentials(client_call_details, self._auth, client_call_details.timeout)
        return await continuation(details, request)


class _ClientInterceptor(_Interceptor):
    """Adds credentials and the request id, enforces a deadline, counts the call."""

    def __init__(self, auth_token: str, deadline: float) -> None:
        self._auth = ("authorization", f"Bearer {auth_token}")
        self._deadline = deadline
        assert self._auth[0] == AUTHORIZATION_KEY  # noqa: S101 - both ends use the same key

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        # A call without a deadline of its own gets the default one; a caller that knows its call
        # may wait longer (a check waiting for Telegram's budget) says so.
        timeout = client_call_details.timeout
        timeout = self._deadline if timeout is None else timeout
        details = _with_credentials(client_call_details, self._auth, timeout)
        method = client_call_details.method
        service, name = split_method(method.decode() if isinstance(method, bytes) else method)
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            call = await continuation(details, request)
            code = await call.code()
            return call
        except grpc.aio.AioRpcError as error:
            code = error.code()
            raise
        finally:
            GRPC_CLIENT_HANDLED.labels(service, name, code.name).inc()
            GRPC_CLIENT_HANDLING_SECONDS.labels(service, name).observe(
                time.perf_counter() - started
            )


def open_channel(
    target: str,
    settings: ClientSettings,
    *,
    idempotent_methods: list[tuple[str, str]] | None = None,
) -> grpc.aio.Channel:
    """A channel to `target` (host:port, or dns:///name:port for client-side balancing).

    `idempotent_methods` lists (full service name, method) pairs safe to retry on UNAVAILABLE.
    """
    options = [
        ("grpc.service_config", _service_config(idempotent_methods or [])),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
        # A restarted service is back in use within seconds, not after gRPC's default backoff
        # of up to two minutes (every call until then would fail as UNAVAILABLE).
        ("grpc.initial_reconnect_backoff_ms", 250),
        ("grpc.max_reconnect_backoff_ms", 2_000),
    ]
    # grpc-stubs types interceptors as a placeholder class that must be cast.
    token = settings.presented_token()
    interceptors = [
        # Outermost, so the span covers the call and its context rides in the metadata.
        *(cast("grpc.aio.ClientInterceptor", i) for i in tracing.client_interceptors()),
        cast(
            "grpc.aio.ClientInterceptor",
            _ClientInterceptor(token, settings.grpc_deadline_seconds),
        ),
        cast("grpc.aio.ClientInterceptor", _StreamCredentials(token)),
    ]
    if settings.tls_ca_file is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=settings.tls_ca_file.read_bytes(),
        private_key=(
            settings.tls_client_key_file.read_bytes() if settings.tls_client_key_file else None
        ),
        certificate_chain=(
            settings.tls_client_cert_file.read_bytes() if settings.tls_client_cert_file else None
        ),
    )
    return grpc.aio.secure_channel(target, credentials, options=options, interceptors=interceptors)
