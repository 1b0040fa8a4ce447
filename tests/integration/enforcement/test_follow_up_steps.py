"""A raid's further messages (four in five of its actions: the member's mute is pending or in
force) cost their deletion and the fewest transactions of the ledger, which every worker of a
replica takes turns on (SQLite one at a time; PostgreSQL through a pool of connections): no read
after the deletion, which guards only a mute or a kick. On PostgreSQL and on SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from gmbot.enforcement.domain import claims
from gmbot.enforcement.domain.action_log import ActionLog
from gmbot.enforcement.domain.actions import Enforce, MemberAction, NewAction, State
from gmbot.enforcement.domain.deletions import DeletionBatches
from gmbot.enforcement.domain.handlers import ActionHandlers
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.live_warnings import LiveWarnings
from gmbot.enforcement.domain.ports import TelegramActions
from gmbot.enforcement.storage.ledger import Ledger, Stores

T = TypeVar("T")
GROUP, USER = -1001000000001, 42


class _CountingLedger(Ledger):
    """The real ledger, counting the steps taken on it (those that only read too)."""

    steps = 0

    async def step(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        self.steps += 1
        return await super().step(work)

    async def read(self, work: Callable[[Stores], Awaitable[T]]) -> T:
        self.steps += 1
        return await super().read(work)


class _Deleting:
    """Telegram as far as a deletion goes: what it was asked to delete."""

    def __init__(self) -> None:
        self.deleted: list[tuple[int, list[int]]] = []

    async def delete(self, chat_id: int, message_ids: list[int]) -> None:
        self.deleted.append((chat_id, message_ids))


async def test_a_further_message_costs_its_deletion_and_one_read(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = _CountingLedger(ledger_engine, patience=5)
    recorder = _Deleting()
    telegram = cast(TelegramActions, recorder)
    links = InviteLinks(ledger, telegram, timedelta(seconds=60))
    handlers = ActionHandlers(
        telegram,
        ledger,
        LiveWarnings(telegram, ledger, b"key", 3.0, links),
        DeletionBatches(telegram, window=0.01),
        86400,
        b"key",
        ActionLog(telegram, ledger, b"key", window=3.0),
    )
    further = Enforce(action=MemberAction.MUTE, message_id=7).follow_up()
    async with ledger.transaction() as stores:
        action_id, _ = await stores.actions.add(
            NewAction("u1:message", GROUP, USER, "not_subscribed", further)
        )
    [action] = await claims.claim(ledger, [action_id], lease=30)

    state = await handlers.carry_out(action)

    assert state is State.DONE
    assert recorder.deleted == [(GROUP, [7])]
    # Whether it was released since the decision, before the deletion; nothing after it.
    assert ledger.steps == 1
