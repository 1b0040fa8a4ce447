"""The one server interceptor: request id, authentication and authorization of the caller,
errors, metrics and the call's log line.

Servicers stay plain translations of messages: everything that holds for every call is here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import grpc
import structlog
from grpc_status import rpc_status

from gmbot.runtime.budget.fairness import GROUP_KEY, group_from_metadata, work_for
from gmbot.runtime.budget.leased import SERVICE_NAME as BUDGET_SERVICE
from gmbot.runtime.callers import Caller, Callers, current_caller
from gmbot.runtime.errors import DomainError, PermissionDenied, QuotaExceeded, to_status
from gmbot.runtime.logs import request_id
from gmbot.runtime.metrics import GRPC_SERVER_HANDLED, GRPC_SERVER_HANDLING_SECONDS, split_method
from gmbot.runtime.observability import report_exception
from gmbot.runtime.outages import unreachable
from gmbot.runtime.quotas import CallerQuotas

REQUEST_ID_KEY = "x-request-id"
AUTHORIZATION_KEY = "authorization"
# Kubernetes' gRPC probes cannot send credentials; health says nothing secret.
UNAUTHENTICATED_PREFIXES = ("/grpc.health.v1.Health/",)
BEARER = "Bearer "
HEALTH_PROBE = Caller("health-probe", ("grpc.health.v1.Health/*",), own=True)
# Calls that come every few seconds (probes) or many times a second (a budget lessee asking for
# its next call: 2,880 lines in a raid of 1,500 messages) and carry no work of their own: one
# that succeeds is logged at debug, so the log shows the calls that do.
ROUTINE_PREFIXES = (*UNAUTHENTICATED_PREFIXES, f"/{BUDGET_SERVICE}/")

log = structlog.get_logger("gmbot.rpc")

if TYPE_CHECKING:
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]
    Behavior: TypeAlias = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
    _Interceptor = grpc.aio.ServerInterceptor[Any, Any]
else:  # grpc's runtime classes are not generic
    _Interceptor = grpc.aio.ServerInterceptor


class _Unreadable:
    """What a request that did not parse is handed to the handler as (see `_tolerant`)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """A request deserializer that does not raise: grpc answers a deserializer's exception with
    UNKNOWN, while bytes that are not the request (corrupt wire format, a string field that is
    not UTF-8) are the caller's mistake: INVALID_ARGUMENT."""
    if deserializer is None:
        return None

    def parse(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except Exception as error:  # untrusted bytes may fail in any way
            return _Unreadable(error)

    return parse


def _metadata(details: grpc.HandlerCallDetails) -> dict[str, str]:
    pairs: Sequence[tuple[str, str | bytes]] = details.invocation_metadata or ()
    return {key: value for key, value in pairs if isinstance(value, str)}


def _presented_token(metadata: dict[str, str]) -> str | None:
    value = metadata.get(AUTHORIZATION_KEY, "")
    return value[len(BEARER) :] if value.startswith(BEARER) else None


class ServerInterceptor(_Interceptor):
    """Identifies the caller by its bearer token, lets it call only what its scopes allow and as
    often as its quota allows, and observes every unary call.

    `callers` is the table of tokens (gmbot.runtime.callers); a plain string is the shared
    token alone, which may call everything. Without `quotas`, nobody has one.
    """

    def __init__(self, callers: Callers | str, quotas: CallerQuotas | None = None) -> None:
        self._callers = callers if isinstance(callers, Callers) else Callers.build(callers, None)
        self._quotas = quotas

    def _verdict(
        self, method: str, metadata: dict[str, str]
    ) -> tuple[Caller | None, grpc.StatusCode | None]:
        """The caller, and the code to refuse the call with (None: let it through)."""
        if method.startswith(UNAUTHENTICATED_PREFIXES):
            return HEALTH_PROBE, None
        caller = self._callers.identify(_presented_token(metadata))
        if caller is None:
            return None, grpc.StatusCode.UNAUTHENTICATED
        if not caller.may_call(method):
            log.warning("rpc refused", method=method, caller=caller.name, code="PERMISSION_DENIED")
            return caller, grpc.StatusCode.PERMISSION_DENIED
        return caller, None

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        if handler is None:  # an unknown method: grpc answers UNIMPLEMENTED
            return handler
        method: str = handler_call_details.method
        metadata = _metadata(handler_call_details)
        caller, refusal = self._verdict(method, metadata)
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._observe(
                    cast("Behavior", handler.unary_unary), method, metadata, caller, refusal
                ),
                request_deserializer=_tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if refusal is not None:
            return _refusing_handler(handler, refusal, caller, method)
        return handler

    async def _admit(
        self,
        request: Any,
        context: grpc.aio.ServicerContext[Any, Any],
        caller: Caller | None,
        refusal: grpc.StatusCode | None,
        method: str,
    ) -> None:
        """Aborts a call that is refused or does not parse; raises the error of a call its
        caller may not make (`fresh` outside its scopes) or not now (over its quota)."""
        if refusal is not None:
            await context.abort(refusal, _refusal_message(refusal, caller, method))
        if isinstance(request, _Unreadable):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"the request does not parse: {request.error}"
            )
        if caller is None:
            return
        if getattr(request, "fresh", False) is True and not caller.may_ask_fresh(method):
            log.warning("rpc refused: fresh", method=method, caller=caller.name)
            raise PermissionDenied(
                f"caller {caller.name!r} may not set fresh (scope membership-fresh): "
                "ask without it for the cached answer"
            )
        wait = self._quotas.retry_after(caller) if self._quotas else 0.0
        if wait > 0:
            raise QuotaExceeded(
                f"caller {caller.name!r} is over its quota of requests a second; "
                f"retry in {wait:.3f} s",
                subject=f"caller:{caller.name}",
                retry_after=wait,
            )

    def _observe(
        self,
        behavior: Behavior,
        method: str,
        metadata: dict[str, str],
        caller: Caller | None,
        refusal: grpc.StatusCode | None,
    ) -> Behavior:
        service, name = split_method(method)

        async def observed(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            token = request_id.set(metadata.get(REQUEST_ID_KEY) or uuid.uuid4().hex)
            # The group the caller works for: the Bot API calls made for this call are its.
            group = work_for.set(group_from_metadata(metadata.get(GROUP_KEY)))
            consumer = current_caller.set(caller.name if caller else None)
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                await self._admit(request, context, caller, refusal, method)
                return await behavior(request, context)
            except DomainError as error:
                code = error.code
                status = rpc_status.to_status(to_status(error))
                await context.abort(status.code, status.details, status.trailing_metadata)
            except grpc.aio.AbortError:
                code = context.code() or code
                raise
            except Exception as error:
                if unreachable(error):  # not now, not never: the caller retries
                    code = grpc.StatusCode.UNAVAILABLE
                    # The error's name only: a database error's text carries its statement.
                    reason = type(error).__name__
                    log.warning(
                        "rpc failed: a back end cannot be reached", method=method, error=reason
                    )
                    await context.abort(code, f"a back end cannot be reached now ({reason}); retry")
                code = grpc.StatusCode.INTERNAL
                log.exception("rpc failed", method=method)
                report_exception()
                await context.abort(code, "internal error; the request id is in the logs")
            finally:
                elapsed = time.perf_counter() - started
                GRPC_SERVER_HANDLED.labels(service, name, code.name).inc()
                GRPC_SERVER_HANDLING_SECONDS.labels(service, name).observe(elapsed)
                routine = code == grpc.StatusCode.OK and method.startswith(ROUTINE_PREFIXES)
                (log.debug if routine else log.info)(
                    "rpc",
                    method=method,
                    code=code.name,
                    ms=round(elapsed * 1000, 2),
                    caller=caller.name if caller else None,
                )
                request_id.reset(token)
                work_for.reset(group)
                current_caller.reset(consumer)

        return observed


def _refusal_message(code: grpc.StatusCode, caller: Caller | None, method: str) -> str:
    if code == grpc.StatusCode.PERMISSION_DENIED and caller is not None:
        return f"caller {caller.name!r} may not call {method}"
    return "missing or wrong bearer token in 'authorization'"


def _refusing_handler(
    handler: Handler, code: grpc.StatusCode, caller: Caller | None, method: str
) -> Handler:
    """A streaming handler (reflection, WatchChanges) that refuses without running."""

    async def refuse(
        _request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        await context.abort(code, _refusal_message(code, caller, method))
        yield None  # pragma: no cover - abort raises; the yield makes this a generator

    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            refuse,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            refuse,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.stream_unary_rpc_method_handler(
        refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
