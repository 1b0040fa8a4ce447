"""The figures of /stats straight from a ledger seeded row by row (every figure, in the day,
the week, the month and before), on PostgreSQL and on SQLite: the numbers each window holds,
and all three windows read in one SQL statement."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gmbot.enforcement.domain.actions import Kind, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.stats import Figures
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import ActionRow, ActivityRow, ChannelJoinRow
from tests.support.databases import statements_on

GROUP, OTHER_GROUP = -1001000000001, -1001000000002
CHANNEL_A, CHANNEL_B = -1002000000001, -1002000000002
WARNING = {"language": "en", "join_buttons": []}
DAY, WEEK, MONTH = timedelta(hours=24), timedelta(hours=168), timedelta(hours=720)


def _action(
    kind: Kind,
    user: int,
    age: timedelta,
    request: dict[str, Any],
    *,
    state: State = State.DONE,
    reason: str = "not_subscribed",
    warning_message_id: int | None = None,
    telegram_calls: int = 0,
    group: int = GROUP,
) -> ActionRow:
    created = now() - age
    return ActionRow(
        action_id=str(uuid.uuid4()),
        idempotency_key=uuid.uuid4().hex,
        kind=kind.value,
        state=state.value,
        group_id=group,
        user_id=user,
        reason=reason,
        request=request,
        warning_message_id=warning_message_id,
        attempts=1,
        due_at=created,
        created_at=created,
        telegram_calls=telegram_calls,
    )


def _enforced(user: int, age: timedelta, action: str, warned: bool, **fields: Any) -> ActionRow:
    request = {"action": action, "message_id": 10, "warning": WARNING if warned else None}
    return _action(
        Kind.ENFORCE, user, age, request, warning_message_id=100 if warned else None, **fields
    )


def _released(user: int, age: timedelta, reason: str) -> ActionRow:
    return _action(Kind.RELEASE, user, age, {}, reason=reason)


def _observed(user: int, age: timedelta, action: str, message_id: int) -> ActionRow:
    request = {"action": action, "message_id": message_id, "warning": WARNING}
    return _action(Kind.ENFORCE, user, age, request, state=State.OBSERVED)


def _decided(user: int, age: timedelta, decision: str) -> ActionRow:
    return _action(Kind.JOIN_REQUEST, user, age, {"decision": decision})


def _ledger_rows() -> list[ActionRow]:
    hour, days = timedelta(hours=1), timedelta(days=1)
    return [
        # The last day: 1 joins after the warning (by the button), 2 is kicked on sight, 3 is
        # muted unwarned, 4 unmuted by an admin, 5 kicked later, 6 and 7's requests decided.
        _enforced(1, 2 * hour, "mute", warned=True, telegram_calls=3),
        _released(1, hour, "verified"),
        _enforced(2, hour, "kick", warned=True, telegram_calls=2),
        _enforced(3, hour, "mute", warned=False, telegram_calls=1),
        _released(4, hour, "unmuted_by_admin"),
        _action(Kind.KICK, 5, hour, {}),
        _decided(6, hour, "approve"),
        _decided(7, hour, "decline"),
        # Observe mode: 8 twice (two messages), 9 kicked without a message, a channel's post.
        _observed(8, 3 * hour, "mute", 5),
        _observed(8, 2 * hour, "mute", 6),
        _observed(9, hour, "kick", 0),
        _action(
            Kind.BAN_SENDER_CHAT,
            0,
            hour,
            {"message_id": 7, "sender_chat_id": 1, "ban": True},
            state=State.OBSERVED,
        ),
        # Neither done nor observed: counted nowhere.
        _enforced(10, hour, "mute", warned=True, state=State.PENDING),
        _enforced(10, hour, "mute", warned=True, state=State.FAILED),
        # The week: 11 joins the channel two days after the warning, 12 is exempted.
        _enforced(11, 3 * days, "mute", warned=True, telegram_calls=4),
        _released(11, 2 * days, "joined_channel"),
        _released(12, 3 * days, "exempted"),
        # The month: 13 kicked on sight, kicked again later (one member), 14 approved.
        _enforced(13, 20 * days, "kick", warned=True),
        _action(Kind.KICK, 13, 19 * days, {}),
        _decided(14, 20 * days, "approve"),
        # Before the month, and another group: counted nowhere.
        _enforced(15, 40 * days, "mute", warned=True, telegram_calls=9),
        _enforced(1, hour, "mute", warned=True, telegram_calls=9, group=OTHER_GROUP),
    ]


def _other_rows() -> list[ActivityRow | ChannelJoinRow]:
    hour = int(now().timestamp()) // 3600
    days = timedelta(days=1)

    def joined(channel: int, user: int, age: timedelta) -> ChannelJoinRow:
        return ChannelJoinRow(
            group_id=GROUP, channel_id=channel, user_id=user, joined_at=now() - age
        )

    return [
        ActivityRow(group_id=GROUP, hour=hour, messages_checked=10, joins_checked=1),
        ActivityRow(group_id=GROUP, hour=hour - 48, messages_checked=100, bot_api_calls=7),
        ActivityRow(group_id=GROUP, hour=hour - 480, messages_checked=1000, joins_checked=3),
        ActivityRow(group_id=GROUP, hour=hour - 1000, messages_checked=5, bot_api_calls=50),
        ActivityRow(group_id=OTHER_GROUP, hour=hour, messages_checked=70, bot_api_calls=70),
        joined(CHANNEL_A, 1, timedelta(hours=1)),
        joined(CHANNEL_B, 2, 2 * days),
        joined(CHANNEL_A, 3, 10 * days),
        joined(CHANNEL_B, 1, 10 * days),
        joined(CHANNEL_A, 4, 40 * days),
    ]


async def _seed(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        session.add_all([*_ledger_rows(), *_other_rows()])


async def test_each_windows_figures_from_one_statement(ledger_engine: AsyncEngine) -> None:
    await _seed(ledger_engine)
    moment = now()
    windows = [moment - DAY, moment - WEEK, moment - MONTH]

    async with Ledger(ledger_engine, patience=1).transaction() as stores:
        with statements_on(ledger_engine) as sent:
            day, week, month = await stores.stats.figures(GROUP, windows)

    assert len(sent) == 1, sent
    assert day == Figures(
        messages_checked=10,
        joins_checked=1,
        members_warned=2,
        members_muted=2,
        members_joined_after_warning=1,
        unmuted_by_button=1,
        unmuted_by_admins=1,
        members_kicked=2,
        join_requests_approved=1,
        join_requests_declined=1,
        bot_api_calls=6,
        observed_members_muted=1,
        observed_members_warned=1,
        observed_members_kicked=1,
        observed_messages_deleted=3,
        members_joined_through_gmbot=1,
    )
    assert week == Figures(
        **{
            **vars(day),
            "messages_checked": 110,
            "members_warned": 3,
            "members_muted": 3,
            "members_joined_after_warning": 2,
            "unmuted_by_joining": 1,
            "unmuted_by_admins": 2,
            "bot_api_calls": 6 + 4 + 7,
            "members_joined_through_gmbot": 2,
        }
    )
    assert month == Figures(
        **{
            **vars(week),
            "messages_checked": 1110,
            "joins_checked": 4,
            "members_warned": 4,
            "members_kicked": 4,
            "join_requests_approved": 2,
            "members_joined_through_gmbot": 3,
        }
    )
