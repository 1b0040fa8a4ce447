"""A small budget of its own for grpc.health.v1 Watch streams.

Health needs no credential (Kubernetes' probes cannot send one), so anybody may open a Watch
stream, and each stays open for as long as its caller likes. Every stream counts against the
server's `maximum_concurrent_rpcs`: a thousand idle watchers from nobody would take every slot
and real calls would be refused. Here at most `most` watchers are open at once; the next is
refused with RESOURCE_EXHAUSTED at once, so it gives its slot back. Check is not limited:
kubelet and container health checks use it, each call ends at once, and a refused Check would
turn a flood into a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import grpc

WATCH_METHOD = "/grpc.health.v1.Health/Watch"

if TYPE_CHECKING:
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]
    Watch: TypeAlias = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[None]]
    _Interceptor = grpc.aio.ServerInterceptor[Any, Any]
else:  # grpc's runtime classes are not generic
    _Interceptor = grpc.aio.ServerInterceptor


class HealthWatchers(_Interceptor):
    """Lets at most `most` Health/Watch streams be open at once."""

    def __init__(self, most: int) -> None:
        self._most = most
        self._open = 0

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method != WATCH_METHOD:
            return handler
        return grpc.unary_stream_rpc_method_handler(
            self._bounded(cast("Watch", handler.unary_stream)),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _bounded(self, watch: Watch) -> Watch:
        # grpc_health's Watch writes with context.write and returns None: a coroutine, so this
        # is one too (grpc tells the two kinds of streaming handler apart by that).
        async def bounded(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            if self._open >= self._most:
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"{self._most} health watchers are open already; use Check",
                )
            self._open += 1
            try:
                await watch(request, context)
            finally:
                self._open -= 1

        return bounded
