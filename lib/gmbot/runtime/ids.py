"""Telegram's id spaces, checked the same way by every service (TDLib's limits).

Users are 1..2^40-1; supergroups and channels are "marked" as -(10^12 + id), with id at most
10^12 - 2^31.
"""

from __future__ import annotations

from gmbot.runtime.errors import InvalidArgument

MAX_USER_ID = (1 << 40) - 1
_ZERO_CHANNEL_ID = -1_000_000_000_000
_MAX_CHANNEL_ID = 1_000_000_000_000 - (1 << 31)
MIN_MARKED_CHANNEL_ID = _ZERO_CHANNEL_ID - _MAX_CHANNEL_ID


def is_user_id(value: int) -> bool:
    return 0 < value <= MAX_USER_ID


def check_user_id(value: int, field: str) -> int:
    if not is_user_id(value):
        raise InvalidArgument(
            f"{field} must be a Telegram user id (1..2^40-1), got {value}", field=field
        )
    return value


def is_supergroup_id(value: int) -> bool:
    """Supergroups and channels share the marked id space -100xxxxxxxxxx."""
    return MIN_MARKED_CHANNEL_ID <= value < _ZERO_CHANNEL_ID


def is_basic_group_id(value: int) -> bool:
    """Basic groups (which cannot restrict members) have ids -1 .. -999999999999."""
    return _ZERO_CHANNEL_ID < value < 0


def check_supergroup_id(value: int, field: str) -> int:
    """Supergroups and channels share the marked id space -100xxxxxxxxxx."""
    if not is_supergroup_id(value):
        hint = (
            " (a basic group cannot restrict members: upgrade it to a supergroup)"
            if is_basic_group_id(value)
            else ""
        )
        raise InvalidArgument(
            f"{field} must be a supergroup or channel id of the form -100xxxxxxxxxx, "
            f"got {value}{hint}",
            field=field,
        )
    return value


def check_unique(values: list[int], field: str, most: int) -> list[int]:
    """1..`most` ids without repeats."""
    if not values:
        raise InvalidArgument(f"{field} is empty", field=field)
    if len(values) > most:
        raise InvalidArgument(f"at most {most} {field} per call, got {len(values)}", field=field)
    if len(set(values)) != len(values):
        raise InvalidArgument(f"{field} lists the same id twice", field=field)
    return values
