"""Where a user was seen: the groups they wrote or joined in lately, kept for the presence TTL."""

from __future__ import annotations

import time

from gmbot.membership.domain.ports import Store
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import check_supergroup_id, check_user_id, is_user_id
from gmbot.runtime.pages import page_asked, token_after

MAX_PRESENCES = 1000
DEFAULT_MEMBERS_PAGE = 100
MAX_MEMBERS_PAGE = 1000
# A presence already recorded this recently is not written again.
_PRESENCE_REFRESH_SECONDS = 60.0
# Presences remembered as written, at most; past it the memory starts again (a few writes more).
_MAX_WRITTEN = 200_000


class Presence:
    def __init__(self, store: Store, ttl: float) -> None:
        self._store = store
        self._ttl = ttl
        self._written: dict[tuple[int, int], float] = {}

    async def record(self, group_id: int, user_id: int) -> None:
        check_supergroup_id(group_id, "group_id")
        check_user_id(user_id, "user_id")
        now = time.time()
        if now - self._written.get((group_id, user_id), 0.0) < _PRESENCE_REFRESH_SECONDS:
            return
        await self._store.touch(user_id, group_id, now, self._ttl)
        self._written[(group_id, user_id)] = now
        if len(self._written) > _MAX_WRITTEN:
            self._written.clear()

    async def record_many(self, presences: list[tuple[int, int]]) -> None:
        """Validates every entry before recording any, so a bad batch records nothing."""
        if len(presences) > MAX_PRESENCES:
            raise InvalidArgument(f"at most {MAX_PRESENCES} presences per call", field="presences")
        for group_id, user_id in presences:
            check_supergroup_id(group_id, "presences.group_id")
            check_user_id(user_id, "presences.user_id")
        for group_id, user_id in presences:
            await self.record(group_id, user_id)

    async def user_groups(self, user_id: int) -> list[int]:
        check_user_id(user_id, "user_id")
        return await self._store.groups(user_id, time.time(), self._ttl)

    async def group_members(
        self, group_id: int, page_size: int, page_token: str
    ) -> tuple[list[int], str]:
        """One page of the users seen in the group, ascending; the token is the last user id
        of the page, empty after the last page."""
        check_supergroup_id(group_id, "group_id")
        page = page_asked(
            page_size,
            page_token,
            default=DEFAULT_MEMBERS_PAGE,
            most=MAX_MEMBERS_PAGE,
            is_key=is_user_id,
        )
        # One more than the page tells whether another page follows.
        users = await self._store.members(
            group_id, time.time(), self._ttl, page.after or 0, page.size + 1
        )
        shown = users[: page.size]
        return shown, token_after(shown[-1]) if len(users) > page.size else ""
