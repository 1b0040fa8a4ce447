"""Tenancy's use cases: each public method is one RPC and one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gmbot.runtime.database import lost_connection_is_unavailable
from gmbot.runtime.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from gmbot.runtime.ids import (
    check_supergroup_id,
    check_user_id,
    is_basic_group_id,
    is_supergroup_id,
)
from gmbot.runtime.pages import page_asked, token_after
from gmbot.tenancy.models import GroupRow
from gmbot.tenancy.policy import (
    MAX_OWNER_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    Channel,
    ChannelRights,
    GroupPolicy,
    change_exempt,
    change_settings,
    check_channel_list,
    check_text,
    load_settings,
)
from gmbot.tenancy.store import TenancyStore, read_policy

MAX_REASON_LENGTH = 500
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# A page token is the id of the last group of the previous page, as ListGroups wrote it.


def _linked_chat(linked_chat_id: int) -> int | None:
    """A linked channel as stored: None for none (0)."""
    if not linked_chat_id:
        return None
    check_supergroup_id(linked_chat_id, "linked_chat_id")
    return linked_chat_id


@dataclass(frozen=True)
class ProtectResult:
    policy: GroupPolicy
    changed: bool


def _touch(row: GroupRow) -> None:
    row.version += 1
    row.updated_at = datetime.now(UTC)


class GroupRegistry:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # One statement needs no transaction: skipping BEGIN/ROLLBACK makes the hot path one
        # round trip to the database instead of three.
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[TenancyStore]:
        with lost_connection_is_unavailable():
            async with self._sessions.begin() as session:
                yield TenancyStore(session)

    async def _locked(self, store: TenancyStore, group_id: int) -> GroupRow:
        check_supergroup_id(group_id, "group_id")
        row = await store.lock_group(group_id)
        if row is None:
            raise NotFound(f"group {group_id} is not protected; protect it with /protect first")
        return row

    @staticmethod
    async def _policy_after_change(store: TenancyStore, row: GroupRow) -> GroupPolicy:
        policy = await store.policy(row.group_id)
        assert policy is not None  # noqa: S101 - the row is locked by this transaction
        return policy

    async def protect(
        self,
        group_id: int,
        group_title: str,
        owner_user_id: int,
        owner_username: str,
        channels: list[Channel],
        linked_chat_id: int = 0,
    ) -> ProtectResult:
        check_supergroup_id(group_id, "group_id")
        linked = _linked_chat(linked_chat_id)
        check_user_id(owner_user_id, "owner.user_id")
        check_text(group_title, "group_title", MAX_TITLE_LENGTH)
        owner_username = check_text(
            owner_username.removeprefix("@"), "owner.username", MAX_OWNER_NAME_LENGTH
        )
        channels = check_channel_list(channels)
        async with self._transaction() as store:
            await store.upsert_owner(owner_user_id, owner_username)
            metadata_changed = False
            for channel in channels:
                if await store.upsert_channel(channel):
                    metadata_changed = True
                    await store.bump_groups_of_channel(channel.channel_id, exclude=group_id)
            row = await store.create_group(group_id, group_title, owner_user_id)
            wanted = [c.channel_id for c in channels]
            links_changed = await store.linked_channel_ids(group_id) != wanted
            if links_changed:
                await store.replace_links(group_id, wanted)
            changed = (
                links_changed
                or metadata_changed
                or not row.enabled
                or row.suspended_reason is not None
                or row.title != group_title
                or row.owner_user_id != owner_user_id
                or row.linked_chat_id != linked
            )
            if changed:
                row.enabled, row.suspended_reason = True, None
                row.title, row.owner_user_id = group_title, owner_user_id
                row.linked_chat_id = linked
                _touch(row)
            await store.session.flush()
            return ProtectResult(await self._policy_after_change(store, row), changed)

    async def unprotect(self, group_id: int) -> GroupPolicy:
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            if row.enabled:
                row.enabled = False
                _touch(row)
            return await self._policy_after_change(store, row)

    async def policy(self, group_id: int) -> GroupPolicy:
        if is_basic_group_id(group_id):
            # Asked for every message of a busy basic group: a plain "not protected", which the
            # gateway caches, rather than an error per message.
            raise NotFound(
                f"group {group_id} is a basic group and cannot be protected; "
                "upgrade it to a supergroup"
            )
        check_supergroup_id(group_id, "group_id")
        with lost_connection_is_unavailable():
            async with self._reader.connect() as connection:
                policy = await read_policy(connection, group_id)
        if policy is None:
            raise NotFound(f"group {group_id} is not protected")
        return policy

    async def update_settings(
        self, group_id: int, changes: dict[str, object], expected_version: int = 0
    ) -> GroupPolicy:
        if not changes:
            raise InvalidArgument("update_mask names no setting", field="update_mask")
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            if expected_version and row.version != expected_version:
                raise Conflict(
                    f"group {group_id} changed (version {row.version}, expected "
                    f"{expected_version}); read it again and retry"
                )
            current = load_settings(row.settings)
            updated = change_settings(current, changes)
            if updated != current:
                row.settings = updated.model_dump(mode="json")
                _touch(row)
            return await self._policy_after_change(store, row)

    async def change_exempt_users(
        self, group_id: int, add: list[int], remove: list[int]
    ) -> tuple[GroupPolicy, list[int]]:
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            current = load_settings(row.settings)
            updated, added = change_exempt(current, add, remove)
            if updated != current:
                row.settings = updated.model_dump(mode="json")
                _touch(row)
            return await self._policy_after_change(store, row), added

    async def record_channel_rights(self, channel_id: int, rights: str) -> tuple[bool, list[int]]:
        check_supergroup_id(channel_id, "channel_id")
        if rights not in set(ChannelRights):
            raise InvalidArgument("rights must be specified", field="rights")
        async with self._transaction() as store:
            changed = await store.record_rights(channel_id, rights)
            if changed is None:
                return False, []
            if changed:
                await store.bump_groups_of_channel(channel_id)
            return changed, await store.groups_of_channel(channel_id, include_inactive=True)

    async def record_linked_chat(
        self, group_id: int, linked_chat_id: int
    ) -> tuple[GroupPolicy, bool]:
        linked = _linked_chat(linked_chat_id)
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            changed = row.linked_chat_id != linked
            if changed:
                row.linked_chat_id = linked
                _touch(row)
            return await self._policy_after_change(store, row), changed

    async def suspend(self, group_id: int, reason: str) -> GroupPolicy:
        reason = reason.strip()
        if not 0 < len(reason) <= MAX_REASON_LENGTH:
            raise InvalidArgument(
                f"reason must be 1..{MAX_REASON_LENGTH} characters", field="reason"
            )
        check_text(reason, "reason", MAX_REASON_LENGTH)
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            if row.suspended_reason != reason:
                row.suspended_reason = reason
                _touch(row)
            return await self._policy_after_change(store, row)

    async def resume(self, group_id: int) -> GroupPolicy:
        async with self._transaction() as store:
            row = await self._locked(store, group_id)
            if not row.enabled:
                raise FailedPrecondition(
                    f"protection of group {group_id} is off; turn it on with /protect"
                )
            if row.suspended_reason is not None:
                row.suspended_reason = None
                _touch(row)
            return await self._policy_after_change(store, row)

    async def channel_groups(self, channel_id: int, include_inactive: bool) -> list[int]:
        check_supergroup_id(channel_id, "channel_id")
        async with self._transaction() as store:
            return await store.groups_of_channel(channel_id, include_inactive)

    async def owner_groups(self, owner_user_id: int) -> list[GroupPolicy]:
        check_user_id(owner_user_id, "owner_user_id")
        async with self._transaction() as store:
            return await store.groups_of_owner(owner_user_id)

    async def list_groups(
        self, page_size: int, page_token: str, log_chat_id: int = 0
    ) -> tuple[list[GroupPolicy], str]:
        """A page of every group (`log_chat_id`: of those that log there); the token is the last
        group id of the previous page."""
        page = page_asked(
            page_size,
            page_token,
            default=DEFAULT_PAGE_SIZE,
            most=MAX_PAGE_SIZE,
            is_key=is_supergroup_id,
        )
        async with self._transaction() as store:
            groups = await store.groups_after(page.after, page.size, log_chat_id)
        next_token = token_after(groups[-1].group_id) if len(groups) == page.size else ""
        return groups, next_token

    async def upsert_channel(self, channel: Channel) -> tuple[Channel, int]:
        channel = channel.validated()
        async with self._transaction() as store:
            updated = 0
            if await store.upsert_channel(channel):
                updated = await store.bump_groups_of_channel(channel.channel_id)
            stored = await store.get_channel(channel.channel_id)
            assert stored is not None  # noqa: S101 - upserted above
            return stored, updated
