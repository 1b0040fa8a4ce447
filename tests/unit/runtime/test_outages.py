"""Which errors mean "cannot be reached now" (UNAVAILABLE, retried) and which do not."""

from __future__ import annotations

import pytest
import redis.exceptions
import sqlalchemy.exc

from gmbot.runtime.outages import unreachable


def _raised_from(cause: BaseException) -> BaseException:
    """An error raised while handling `cause`, as library code wraps what it caught."""
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = cause
    return wrapped


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 5 reached"),
        redis.exceptions.ConnectionError("No connection available."),
        redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
        redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'"),
        sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
        _raised_from(ConnectionResetError()),
    ],
)
def test_not_now(error: BaseException) -> None:
    assert unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        redis.exceptions.ResponseError("WRONGTYPE Operation against a key"),
        sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
        _raised_from(KeyError("x")),
    ],
)
def test_never(error: BaseException) -> None:
    assert not unreachable(error)
