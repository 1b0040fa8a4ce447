"""Hostile requests for any gRPC method, built by Hypothesis from the method's descriptor: ids at
every edge of int64 and Telegram's id spaces, long and strange strings, enum numbers the
contract does not name, empty and huge lists, timestamps out of range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from gmbot.runtime.ids import MAX_USER_ID, MIN_MARKED_CHANNEL_ID

INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
# What no answer may be, whatever was asked.
FORBIDDEN = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.DATA_LOSS,
    }
)
# Enough to find what breaks, few enough to keep the suite fast; no per-example deadline (a
# shared machine is noisy). No shrinking: every example is a real call, so shrinking a failure
# takes minutes; the failing request is reported as it was drawn.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)

_EDGE_IDS = [
    0,
    1,
    -1,
    *INT64,
    MAX_USER_ID,
    MAX_USER_ID + 1,
    -999_999_999_999,
    -1_000_000_000_000,
    -1_000_000_000_001,
    MIN_MARKED_CHANNEL_ID,
    MIN_MARKED_CHANNEL_ID - 1,
]
_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "{user}{group}{channels}{0}{",
    "<b>&amp;</b>",
    "\u202eevil\u2069",
    "محمد",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "news_channel",
    "@news_channel",
    "https://t.me/news_channel",
    "https://t.me/+AbCdEf123",
    "mute",
    "language",
    "warning_text",
    "99999999999999999999",
    "-99999999999999999999",
    "-1001000000001",
    "١٢٣",
    "en",
    "ru",
    "x" * 65,
]
# Long strings are built when drawn, so that a failing example's description stays short.
_LONG_STRINGS = st.builds(
    lambda char, n: char * n,
    st.sampled_from(["x", "é", "\U0001f642", "\x00"]),
    st.sampled_from([33, 65, 129, 256, 501, 1001, 5000, 100_000]),
)


def _ints(known: Sequence[int]) -> st.SearchStrategy[int]:
    return st.one_of(
        st.sampled_from(known or _EDGE_IDS),
        st.sampled_from(_EDGE_IDS),
        st.integers(*INT64),
        st.integers(1, MAX_USER_ID),
        st.integers(MIN_MARKED_CHANNEL_ID, -1_000_000_000_001),
    )


def _scalar(field: FieldDescriptor, known: Sequence[int], small: bool) -> st.SearchStrategy[Any]:
    kind = field.type
    if field.enum_type is not None:
        numbers = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(numbers), st.integers(*INT32))
    if kind in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64):
        return _ints(known)
    if kind == FieldDescriptor.TYPE_UINT32:
        return st.one_of(st.sampled_from([0, 1, 2**32 - 1]), st.integers(0, 2**32 - 1))
    if kind == FieldDescriptor.TYPE_INT32:
        return st.integers(*INT32)
    if kind == FieldDescriptor.TYPE_UINT64:
        return st.integers(0, 2**64 - 1)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_STRING:
        if small:
            return st.one_of(st.sampled_from(_STRINGS), st.text(max_size=20))
        return st.one_of(st.sampled_from(_STRINGS), _LONG_STRINGS, st.text(max_size=300))
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=300)
    raise NotImplementedError(f"no strategy for {field.full_name} (type {kind})")


def _timestamps() -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {
            "seconds": st.one_of(
                st.sampled_from([0, -1, 253402300799, 253402300800, -62135596801, *INT64]),
                st.integers(*INT64),
            ),
            "nanos": st.one_of(st.sampled_from([0, 999_999_999, 10**9, -1]), st.integers(*INT32)),
        }
    )


def _value(
    field: FieldDescriptor, known: Sequence[int], depth: int, small: bool
) -> st.SearchStrategy[Any]:
    if field.message_type is not None:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return _timestamps()
        return _fields(field.message_type, known, depth + 1, small)
    return _scalar(field, known, small)


def _repeated(
    field: FieldDescriptor, known: Sequence[int], depth: int, small: bool
) -> st.SearchStrategy[list[Any]]:
    one = _value(field, known, depth, small)
    if small:
        return st.lists(one, max_size=3)
    # Huge: many copies of one small value (cheap to build, still a long list on the wire).
    many = st.builds(
        lambda item, n: [item] * n,
        _value(field, known, depth, small=True),
        st.sampled_from([201, 1000, 5000]),
    )
    return st.one_of(st.just([]), st.lists(one, max_size=6), many)


def _fields(
    descriptor: Descriptor, known: Sequence[int], depth: int = 0, small: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    if depth > 3:
        return st.just({})
    optional = {}
    for field in descriptor.fields:
        if field.is_repeated:
            optional[field.name] = _repeated(field, known, depth, small)
        else:
            optional[field.name] = _value(field, known, depth, small)
    return st.fixed_dictionaries({}, optional=optional)


def _build(cls: type[Message], values: dict[str, Any]) -> Message:
    message = cls()
    for name, value in values.items():
        field = cls.DESCRIPTOR.fields_by_name[name]
        if field.message_type is None and field.is_repeated:
            getattr(message, name).extend(value)
        elif field.message_type is None:
            setattr(message, name, value)
        else:
            inner_cls = _message_class(field)
            if field.is_repeated:
                getattr(message, name).extend(_build(inner_cls, item) for item in value)
            else:
                getattr(message, name).CopyFrom(_build(inner_cls, value))
    return message


def _message_class(field: Any) -> type[Message]:
    descriptor: Any = field.message_type
    return GetMessageClass(descriptor)


def _leaves(descriptor: Descriptor, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of every field, nested ones included (a repeated message's first element)."""
    paths = []
    for field in descriptor.fields:
        path = (*prefix, field.name)
        paths.append(path)
        is_timestamp = field.message_type is not None and (
            field.message_type.full_name == "google.protobuf.Timestamp"
        )
        if field.message_type is not None and not is_timestamp and len(prefix) < 3:
            paths += _leaves(field.message_type, path)
    return paths


def _field_at(descriptor: Descriptor, path: tuple[str, ...]) -> FieldDescriptor:
    field = descriptor.fields_by_name[path[0]]
    for name in path[1:]:
        inner: Any = field.message_type
        field = inner.fields_by_name[name]
    return field


def _with(message: Message, path: tuple[str, ...], value: Any) -> Message:
    """A copy of `message` whose field at `path` holds `value` (the values of `_fields`)."""
    copy = type(message)()
    copy.CopyFrom(message)
    target: Message = copy
    for name in path[:-1]:
        inner = getattr(target, name)
        if target.DESCRIPTOR.fields_by_name[name].is_repeated:
            if not inner:
                inner.add()
            target = inner[0]
        else:
            target = inner
    field = target.DESCRIPTOR.fields_by_name[path[-1]]
    target.ClearField(path[-1])
    one = _build(type(target), {path[-1]: value})
    if field.is_repeated or field.message_type is not None:
        target.MergeFrom(one)
    else:
        setattr(target, path[-1], value)
    return copy


def requests(
    method: MethodDescriptor, known: Sequence[int] = (), valid: Message | None = None
) -> st.SearchStrategy[Message]:
    """Requests of `method` with hostile values; `known` ids (the test world's chats and users)
    make some reach past validation. With a `valid` request, half the requests are it with one
    field made hostile, which reaches the code behind the first check."""
    cls = GetMessageClass(method.input_type)
    anything = _fields(method.input_type, known).map(lambda values: _build(cls, values))
    if valid is None:
        return anything

    def mutated(path: tuple[str, ...]) -> st.SearchStrategy[Message]:
        field = _field_at(method.input_type, path)
        depth = len(path)
        values = (
            _repeated(field, known, depth, False)
            if field.is_repeated
            else _value(field, known, depth, False)
        )
        return values.map(lambda value: _with(valid, path, value))

    one_bad_field = st.sampled_from(_leaves(method.input_type)).flatmap(mutated)
    return st.one_of(one_bad_field, anything)


def caller(channel: grpc.aio.Channel, method: MethodDescriptor) -> Callable[[Message], Any]:
    """An untyped stub for one method (the response is parsed as its type)."""
    return channel.unary_unary(
        f"/{method.containing_service.full_name}/{method.name}",
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=GetMessageClass(method.output_type).FromString,
    )


async def status_of(call: Any) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK
