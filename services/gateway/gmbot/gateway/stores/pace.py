"""How busy each group is: the messages this gateway judged there in the last minute.

The settings panel is drawn again on every tap, and a group takes 20 of the bot's messages a
minute (warnings need them): when a group is busy, an administrator's /settings goes to them in
private instead (flows/settings_panel.py). Each replica counts what it is delivered; with
several, each sees its share of a chat's updates, so the threshold is what one replica saw."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from gmbot.runtime.expiring import ExpiringLru

WINDOW_SECONDS = 60.0
# Messages in the window from which a group is busy: about one every six seconds.
BUSY_MESSAGES = 10
_MAX_GROUPS = 10_000


class GroupPace:
    def __init__(
        self,
        busy_from: int = BUSY_MESSAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._busy_from = busy_from
        self._clock = clock
        # Per group, the moments of its last `busy_from` messages (older ones cannot matter).
        self._recent: ExpiringLru[int, deque[float]] = ExpiringLru(_MAX_GROUPS)

    def seen(self, group_id: int) -> None:
        now = self._clock()
        moments = self._recent.get(group_id, now)
        if moments is None:
            moments = deque(maxlen=self._busy_from)
        moments.append(now)
        self._recent.put(group_id, moments, now + WINDOW_SECONDS)

    def busy(self, group_id: int) -> bool:
        now = self._clock()
        moments = self._recent.get(group_id, now) or deque()
        return sum(1 for moment in moments if moment > now - WINDOW_SECONDS) >= self._busy_from
