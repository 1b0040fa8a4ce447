"""Fair between groups: within one priority, the groups with callers waiting for the overall
spacing take the free slot in turn (the least recently served first), not whoever asks first, so
a raid in one group holds another group's first call back by a slot or two, not by the raid.

A call is counted as the work of the group it is done for: the group whose update is being
handled (`work_for`, which travels with every internal gRPC call as `x-gmbot-group` metadata, so
a membership check made for a group is that group's even though it asks about a channel), or
else the chat the call is about.
"""

from __future__ import annotations

import math
from collections import defaultdict
from contextvars import ContextVar

# The metadata key the group travels in between GMBot's services.
GROUP_KEY = "x-gmbot-group"
# How long past the slot it was told to wait for a group's turn is kept for it: its caller may
# wake that late on a busy event loop (a caller that gave up holds the others back this long).
TURN_GRACE_SECONDS = 0.25
# A group not served for this long is as new as one never served (and forgotten).
SERVED_MEMORY_SECONDS = 60.0
_NEVER = -math.inf

# Set by the server's interceptor for a call that named its group; sent on by the client's.
work_for: ContextVar[int | None] = ContextVar("work_for", default=None)


def for_group(group_id: int) -> tuple[tuple[str, str]]:
    """Metadata that makes a call to a back end (and the Bot API calls it makes) `group_id`'s
    work, for a caller that does not set `work_for` around it."""
    return ((GROUP_KEY, str(group_id)),)


def group_from_metadata(value: str | None) -> int | None:
    """The group a caller named in `x-gmbot-group`; None when it named none (or nonsense)."""
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def fair_key(chat_id: int | None, group: int | None) -> int | None:
    """Whose turn a call takes: the group it is done for, else its own chat."""
    return chat_id if group is None else group


class Rotation:
    """Which group's turn it is at each priority, in this process (RedisBudget's script keeps the
    same two facts in Redis: who waits until when, and when each group was last served)."""

    def __init__(self) -> None:
        # By priority (core.Priority, an int), the groups waiting and until when.
        self._waiting: defaultdict[int, dict[int | None, float]] = defaultdict(dict)
        self._served: dict[int | None, float] = {}

    def wait(self, priority: int, key: int | None, until: float) -> None:
        """`key` has a caller waiting at `priority` until `until` (when it asks again)."""
        waiting = self._waiting[priority]
        waiting[key] = max(waiting.get(key, _NEVER), until)

    def others_first(self, priority: int, key: int | None, now: float) -> bool:
        """Whether another group waiting at `priority` was served longer ago than `key`."""
        mine = self._served.get(key, _NEVER)
        waiting = self._waiting[priority]
        for other, until in list(waiting.items()):
            if until <= now:
                del waiting[other]
            elif other != key and self._served.get(other, _NEVER) < mine:
                return True
        return False

    def served(self, priority: int, key: int | None, now: float) -> None:
        self._waiting[priority].pop(key, None)
        self._served[key] = now
        if len(self._served) > 10_000:
            oldest = now - SERVED_MEMORY_SECONDS
            self._served = {k: t for k, t in self._served.items() if t > oldest}
