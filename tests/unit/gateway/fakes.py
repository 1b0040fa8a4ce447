"""The three back ends as in-memory stubs, and a real FlowContext around them: flows run as in
production, without a process or a socket. And Telegram as a Bot session that sends nothing.

A fake stub answers only the RPCs a test gave an answer for (a reply, a gRPC error as the real
stub raises it, or a function of the request); any other call fails the test. Every request is
recorded, so a test can say exactly what was asked and what was not."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import grpc
from aiogram import Bot, types
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from gmbot.gateway.clients.backends import Backends
from gmbot.gateway.composition import make_flow_context
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import call_priority
from gmbot.v1 import enforcement_pb2, membership_pb2, tenancy_pb2

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub

BOT_ID = 4242
SIGNING_KEY = b"k" * 32

Canned = Message | grpc.aio.AioRpcError | Callable[[Any], Message]


def rpc_error(code: grpc.StatusCode, details: str = "") -> grpc.aio.AioRpcError:
    """What a real stub raises when the service answers `code`."""
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details, None)


class FakeStub:
    def __init__(self, service: ServiceDescriptor) -> None:
        self._service = service
        self._answers: dict[str, Canned] = {}
        self.calls: list[tuple[str, Any]] = []
        # What each call passed besides its request (timeout, metadata), in the same order.
        self.options: list[dict[str, object]] = []

    def answer(self, method: str, answer: Canned) -> None:
        """From now on `method` answers `answer`; a reply must be the RPC's response type."""
        rpc = self._service.methods_by_name[method]
        if isinstance(answer, Message):
            assert answer.DESCRIPTOR.full_name == rpc.output_type.full_name, method
        self._answers[method] = answer

    def requests(self, method: str) -> list[Any]:
        return [request for name, request in self.calls if name == method]

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Message]]:
        if method not in self._service.methods_by_name:
            raise AttributeError(method)

        async def rpc(request: Message, **options: object) -> Message:
            self.calls.append((method, request))
            self.options.append(options)
            answer = self._answers.get(method)
            if answer is None:
                raise AssertionError(f"{self._service.name}.{method} was not expected")
            if isinstance(answer, grpc.aio.AioRpcError):
                raise answer
            return answer if isinstance(answer, Message) else answer(request)

        return rpc


def _stub(module: Any, name: str) -> FakeStub:
    return FakeStub(module.DESCRIPTOR.services_by_name[name])


@dataclass
class Fakes:
    """The fake back ends and the context the flows get."""

    tenancy: FakeStub = field(default_factory=lambda: _stub(tenancy_pb2, "TenancyService"))
    membership: FakeStub = field(default_factory=lambda: _stub(membership_pb2, "MembershipService"))
    enforcement: FakeStub = field(
        default_factory=lambda: _stub(enforcement_pb2, "EnforcementService")
    )
    # Parts of the context made otherwise, by FlowContext field name (make_flow_context's
    # overrides).
    parts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        backends = Backends(
            tenancy=cast("TenancyServiceAsyncStub", self.tenancy),
            membership=cast("MembershipServiceAsyncStub", self.membership),
            enforcement=cast("EnforcementServiceAsyncStub", self.enforcement),
            health={},
        )
        self.ctx = make_flow_context(
            backends=backends,
            bot_id=BOT_ID,
            bot_username="guard_bot",
            signing_key=SIGNING_KEY,
            ledger=UpdateLedger(),
            check_wait_seconds=1,
            **self.parts,
        )

    @property
    def calls(self) -> list[str]:
        """Every RPC called, as service.Method, back end by back end (each in order)."""
        return [
            f"{service}.{method}"
            for service, stub in (
                ("tenancy", self.tenancy),
                ("membership", self.membership),
                ("enforcement", self.enforcement),
            )
            for method, _ in stub.calls
        ]


class RecordingSession(BaseSession):
    """Telegram for a handler: every request recorded with the budget priority it was given
    (None: its method's own), answered True, or the message sent for a sendMessage (or failed
    as `failures` says, by method), nothing sent."""

    def __init__(self, failures: dict[type[TelegramMethod[Any]], Exception] | None = None) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.priorities: list[Priority | None] = []
        self._failures = failures or {}

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        self.requests.append(method)
        self.priorities.append(call_priority.get())
        failure = self._failures.get(type(method))
        if failure is not None:
            raise failure
        if isinstance(method, SendMessage):
            return _sent(method, message_id=100 + len(self.requests))
        return True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise AssertionError("no test downloads")
        yield b""  # pragma: no cover - makes this a generator, as the base declares

    async def close(self) -> None:
        pass


def _sent(method: SendMessage, message_id: int) -> types.Message:
    """The message Telegram answers a sendMessage with (a negative chat id is a group)."""
    chat_id = int(method.chat_id)
    chat = types.Chat(id=chat_id, type="supergroup" if chat_id < 0 else "private")
    return types.Message(message_id=message_id, date=datetime.now(UTC), chat=chat, text=method.text)
