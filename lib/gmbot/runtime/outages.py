"""What "cannot be reached now" looks like, whichever library raised it.

Connection refused, a pool with no connection free in time, a connection lost under a call, a
Redis failing over (READONLY) or out of memory: each means "not now", never "never". A service
answers it UNAVAILABLE, which callers retry; the gateway keeps the update for later instead of
setting it aside.

Told apart without importing the database or Redis clients, which not every process has: their
classes are looked up among the modules already imported (a module never imported raised
nothing).
"""

from __future__ import annotations

import sys

# Module -> the names of its exceptions that mean "not now".
_NOT_NOW: dict[str, tuple[str, ...]] = {
    # The pool had no connection to give within its timeout.
    "sqlalchemy.exc": ("TimeoutError",),
    # ConnectionError covers BusyLoadingError (a Redis still loading its data) too.
    "redis.exceptions": (
        "ConnectionError",
        "TimeoutError",
        "ReadOnlyError",
        "OutOfMemoryError",
        "TryAgainError",
        "MasterDownError",
        "ClusterDownError",
    ),
    "asyncpg.exceptions": (
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "TooManyConnectionsError",
    ),
}


def _not_now_classes() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name, names in _NOT_NOW.items():
        module = sys.modules.get(module_name)
        if module is not None:
            found += [getattr(module, name) for name in names if hasattr(module, name)]
    return tuple(found)


def unreachable(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, says a back end cannot be reached now.

    An OSError anywhere in the chain counts (refused, reset, unresolvable, timed out), and so
    does a connection SQLAlchemy found dropped (`connection_invalidated`)."""
    not_now: tuple[type[BaseException], ...] = (OSError, *_not_now_classes())
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, not_now) or getattr(current, "connection_invalidated", False):
            return True
        current = current.__cause__ or current.__context__
    return False
