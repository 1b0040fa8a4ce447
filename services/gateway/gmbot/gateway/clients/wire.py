"""Protobuf messages to the gateway's domain values (domain/) and back, field by field by name:
a field of a domain dataclass is carried from and to the message's field of the same name, so a
setting or a policy field added to both needs nothing here. Enumerations go by number (a number
newer than this gateway reads as UNSPECIFIED), timestamps as aware datetimes, repeated fields as
tuples."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from google.protobuf.message import Message

T = TypeVar("T")


def from_message(cls: type[T], message: Message) -> T:
    """`message` as a `cls` (a domain dataclass), reading the fields `cls` has."""
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: _value(hints[name], getattr(message, name)) for name in names})


def _value(hint: Any, value: Any) -> Any:
    if get_origin(hint) is tuple:
        item = get_args(hint)[0]
        return tuple(_value(item, v) for v in value)
    if is_dataclass(hint):
        return from_message(hint, value)  # type: ignore[arg-type]
    if hint is datetime:
        return value.ToDatetime(tzinfo=UTC)
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return hint(value) if value in hint._value2member_map_ else hint(0)
    return value


def fill(message: T, value: object) -> T:
    """Sets `message`'s fields from the domain dataclass `value`, field by field; returns it."""
    assert isinstance(message, Message)  # noqa: S101 - a message to fill
    for f in fields(value):  # type: ignore[arg-type]
        _put(message, f.name, getattr(value, f.name))
    return message


def _put(message: Message, name: str, value: object) -> None:
    if is_dataclass(value):
        fill(getattr(message, name), value)
    elif isinstance(value, datetime):
        getattr(message, name).FromDatetime(value)
    elif isinstance(value, tuple):
        target = getattr(message, name)
        for item in value:
            if is_dataclass(item):
                fill(target.add(), item)
            else:
                target.append(item)
    else:
        setattr(message, name, value)
