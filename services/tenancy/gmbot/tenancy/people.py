"""People: who opened GMBot in private (it may write to them only then) and whether they want
its alerts about the groups they administer. Tenancy keeps it because it is a person's own
preference, like an owner's; which groups someone administers is membership's to say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gmbot.runtime.database import lost_connection_is_unavailable
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import check_user_id
from gmbot.tenancy.policy import GroupSettings, change_settings
from gmbot.tenancy.store import TenancyStore

MAX_PEOPLE = 200  # a group's administrators, and its owner: Telegram allows 50


class People:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[TenancyStore]:
        with lost_connection_is_unavailable():
            async with self._sessions.begin() as session:
                yield TenancyStore(session)

    async def opened(self, user_id: int, language: str = "") -> bool:
        """`user_id` opened the bot (or acted), in `language` ("" when not told); whether they
        want alerts."""
        check_user_id(user_id, "user_id")
        if language:
            # A person's language is one a group's may be: the settings' rule says which.
            change_settings(GroupSettings(), {"language": language})
        async with self._transaction() as store:
            return await store.record_person(user_id, language)

    async def set_alerts(self, user_id: int, alerts: bool) -> None:
        check_user_id(user_id, "user_id")
        async with self._transaction() as store:
            await store.set_alerts(user_id, alerts)

    async def known(self, user_ids: list[int]) -> dict[int, tuple[bool, str]]:
        if len(user_ids) > MAX_PEOPLE:
            raise InvalidArgument(f"at most {MAX_PEOPLE} user ids", field="user_ids")
        for user_id in user_ids:
            check_user_id(user_id, "user_ids")
        async with self._transaction() as store:
            return await store.people(sorted(set(user_ids)))
