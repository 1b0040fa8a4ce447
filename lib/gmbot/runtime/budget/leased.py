"""The budget without Redis: one process owns it (enforcement) and the others lease each call
from it over gRPC, so `make run` is one budget too. Also the fallback that keeps a process
within a safe share of the budget while the shared one cannot be reached."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import structlog

from gmbot.runtime.budget.core import Grant, LocalBudget, PollingBudget, Priority
from gmbot.runtime.errors import InvalidArgument
from gmbot.v1 import budget_pb2 as pb
from gmbot.v1 import budget_pb2_grpc

if TYPE_CHECKING:
    from gmbot.v1.budget_pb2_grpc import BudgetServiceAsyncStub

log = structlog.get_logger("gmbot.budget")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["BudgetService"].full_name
_TO_WIRE: dict[Priority, pb.CallPriority.ValueType] = {
    Priority.URGENT: pb.CALL_PRIORITY_URGENT,
    Priority.CHECK: pb.CALL_PRIORITY_CHECK,
    Priority.PUNISH: pb.CALL_PRIORITY_PUNISH,
    Priority.LATER: pb.CALL_PRIORITY_LATER,
    Priority.IDLE: pb.CALL_PRIORITY_IDLE,
}
_FROM_WIRE = {wire: p for p, wire in _TO_WIRE.items()}
MAX_PAUSE_SECONDS = 3600.0
MAX_CALL_ID = 64


def _call_id(value: str, *, required: bool) -> str:
    if len(value) > MAX_CALL_ID or (required and not value):
        raise InvalidArgument(
            f"call_id must be 1 to {MAX_CALL_ID} characters long", field="call_id"
        )
    return value


class BudgetServicer(budget_pb2_grpc.BudgetServiceServicer):
    """Serves the owner's LocalBudget to the other processes."""

    def __init__(self, budget: LocalBudget) -> None:
        self._budget = budget

    async def Acquire(  # noqa: N802 - the RPC's name
        self, request: pb.AcquireRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AcquireResponse:
        priority = _FROM_WIRE.get(request.priority)
        if priority is None:
            raise InvalidArgument("priority is required", field="priority")
        chat_id = request.chat_id or None
        call = _call_id(request.call_id, required=False) or uuid.uuid4().hex
        wait = await self._budget.try_acquire(chat_id, priority, request.message, call)
        if wait == 0 and not request.call_id:
            # A client from before Answered will not report its answer.
            await self._budget.answered(Grant(call, chat_id, request.message))
        return pb.AcquireResponse(wait_ms=int(wait * 1000) + (1 if wait > 0 else 0))

    async def Answered(  # noqa: N802 - the RPC's name
        self, request: pb.AnsweredRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AnsweredResponse:
        call = _call_id(request.call_id, required=True)
        await self._budget.answered(Grant(call, request.chat_id or None, request.message))
        return pb.AnsweredResponse()

    async def Pause(  # noqa: N802 - the RPC's name
        self, request: pb.PauseRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.PauseResponse:
        if not 0 < request.seconds <= MAX_PAUSE_SECONDS:
            raise InvalidArgument(
                f"seconds must be in (0, {MAX_PAUSE_SECONDS:.0f}]", field="seconds"
            )
        await self._budget.pause(request.chat_id or None, request.seconds)
        return pb.PauseResponse()


class LeasedBudget(PollingBudget):
    """Asks the owner of the budget for every call."""

    def __init__(self, stub: BudgetServiceAsyncStub) -> None:
        super().__init__()
        self._stub = stub

    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        reply = await self._stub.Acquire(
            pb.AcquireRequest(
                chat_id=chat_id or 0, priority=_TO_WIRE[priority], message=message, call_id=call
            )
        )
        return reply.wait_ms / 1000

    async def answered(self, grant: Grant) -> None:
        await self._stub.Answered(
            pb.AnsweredRequest(
                call_id=grant.call, chat_id=grant.chat_id or 0, message=grant.message
            )
        )

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        await self._stub.Pause(
            pb.PauseRequest(chat_id=chat_id or 0, seconds=min(seconds, MAX_PAUSE_SECONDS))
        )


class FallingBackBudget(PollingBudget):
    """The shared budget while it answers; a local share of it (never more) while it does not.

    A process that cannot reach Redis or the budget's owner must neither stop calling Telegram
    nor hammer it: it spaces its own calls at a fraction of the whole budget until the shared one
    is back (tried again after `retry_after` seconds).
    """

    def __init__(
        self,
        shared: PollingBudget,
        share: LocalBudget,
        errors: tuple[type[BaseException], ...],
        retry_after: float = 5.0,
    ) -> None:
        super().__init__()
        self._shared = shared
        self._share = share
        self._errors = errors
        self._retry_after = retry_after
        self._down_until = 0.0
        # The calls the local share granted: their answers are reported to it, not to the shared.
        self._granted_by_share: set[str] = set()

    def _shared_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _went_down(self, error: BaseException) -> None:
        self._down_until = time.monotonic() + self._retry_after
        log.warning(
            "shared Telegram budget unreachable; using this process's share", error=str(error)
        )

    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        if self._shared_up():
            try:
                return await self._shared.try_acquire(chat_id, priority, message, call)
            except self._errors as error:
                self._went_down(error)
        wait = await self._share.try_acquire(chat_id, priority, message, call)
        if wait == 0:
            self._granted_by_share.add(call)
        return wait

    async def answered(self, grant: Grant) -> None:
        if grant.call in self._granted_by_share:
            self._granted_by_share.discard(grant.call)
            await self._share.answered(grant)
            return
        try:
            await self._shared.answered(grant)
        except self._errors as error:
            # The call counts in the shared windows until it would have timed out.
            self._went_down(error)

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        await self._share.pause(chat_id, seconds)
        if self._shared_up():
            try:
                await self._shared.pause(chat_id, seconds)
            except self._errors as error:
                self._went_down(error)
