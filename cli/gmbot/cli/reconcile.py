"""`gmbot reconcile GROUP_ID [--lift] [--json]`: after a PostgreSQL restore or a Redis loss,
GMBot's records of a group against what Telegram shows, member by member.

The members are those membership saw in the group (ListGroupMembers) and those the ledger holds
restricted there (ListGroupRestrictions): after a Redis loss membership knows fewer, after a
restore the ledger does. Each is read with getChatMember, from the services' shared Bot API
budget at its lowest priority, so a sweep of a large group never delays the checks.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from pydantic import SecretStr

from gmbot.cli.findings import OUT_OF_LINE, Finding, Seen, classify
from gmbot.cli.operations import call
from gmbot.cli.settings import CliSettings
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import install, priority, shared_budget
from gmbot.runtime.client import open_channel
from gmbot.runtime.redis import create_redis
from gmbot.runtime.telegram import TelegramSettings, create_bot
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import enforcement_pb2_grpc, membership_pb2_grpc
from gmbot.v1 import membership_pb2 as membership

_MEMBERS_PAGE = 1000
_LEDGER_PAGE = 50


@dataclass
class Row:
    user_id: int
    finding: Finding
    # As getChatMember showed the member ("" when it did not answer); until 0: no end.
    telegram_status: str
    telegram_until: int
    # The end of the mute the ledger holds; 0 when it holds none.
    ledger_until: int
    # The Release that --lift asked for.
    action_id: str = ""


async def _seen_members(settings: CliSettings, group_id: int) -> list[int]:
    users: list[int] = []
    async with open_channel(settings.membership_addr, settings) as channel:
        stub = membership_pb2_grpc.MembershipServiceStub(channel)
        token = ""
        while True:
            request = membership.ListGroupMembersRequest(
                group_id=group_id, page_size=_MEMBERS_PAGE, page_token=token
            )
            page = await call(
                "membership", settings.membership_addr, stub.ListGroupMembers(request)
            )
            users.extend(page.user_ids)
            token = page.next_page_token
            if not token:
                return users


async def _ledger(settings: CliSettings, group_id: int) -> dict[int, int]:
    """The members GMBot's ledger restricts in the group, each with its mute's end."""
    held: dict[int, int] = {}
    async with open_channel(settings.enforcement_addr, settings) as channel:
        stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
        while True:
            request = enforcement.ListGroupRestrictionsRequest(
                group_id=group_id, offset=len(held), limit=_LEDGER_PAGE
            )
            page = await call(
                "enforcement", settings.enforcement_addr, stub.ListGroupRestrictions(request)
            )
            held.update({r.user_id: r.until.seconds for r in page.restrictions})
            if not page.restrictions or len(held) >= page.total:
                return held


async def _telegram(bot: Bot, group_id: int, user_id: int) -> Seen | None:
    try:
        member = await bot.get_chat_member(group_id, user_id)
    except TelegramAPIError:
        return None
    until = getattr(member, "until_date", None)
    return Seen(
        status=member.status,
        can_send_messages=getattr(member, "can_send_messages", True),
        until=int(until.timestamp()) if isinstance(until, datetime) and until.year > 1970 else 0,
    )


async def _lift(settings: CliSettings, group_id: int, rows: list[Row]) -> None:
    """A stranded mute: released with the end Telegram showed, so enforcement lifts it only if
    it still reads so. A restriction only the ledger holds: its record ends (overruled), and
    nothing is asked of Telegram."""
    async with open_channel(settings.enforcement_addr, settings) as channel:
        stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
        for row in rows:
            key = f"reconcile:{group_id}:{row.user_id}"
            request = enforcement.ReleaseRequest(group_id=group_id, user_id=row.user_id)
            if row.finding == Finding.STRANDED:
                request.idempotency_key = f"{key}:telegram:{row.telegram_until}"
                request.reason = enforcement.ACTION_REASON_MANUAL
                request.unrecorded_until.FromSeconds(row.telegram_until)
            elif row.finding == Finding.UNAPPLIED:
                request.idempotency_key = f"{key}:ledger:{row.ledger_until}"
                request.reason = enforcement.ACTION_REASON_OVERRULED
            else:
                continue
            answer = await call("enforcement", settings.enforcement_addr, stub.Release(request))
            row.action_id = answer.action_id


@asynccontextmanager
async def _budgeted_bot(settings: CliSettings, token: SecretStr) -> AsyncIterator[Bot]:
    """The bot, every call of it drawn from the services' budget: in Redis when REDIS_URL is
    set (as the services have it), otherwise leased from enforcement."""
    prefix = settings.budget_redis_prefix
    telegram = TelegramSettings(
        bot_token=token,
        telegram_api_url=settings.telegram_api_url,
        budget_addr=settings.enforcement_addr,
        **({"budget_redis_prefix": prefix} if prefix else {}),
    )
    async with AsyncExitStack() as resources:
        bot = create_bot(telegram)
        resources.push_async_callback(bot.session.close)
        redis = None
        if settings.redis_url is not None:
            redis = create_redis(settings.redis_url, name="gmbot-cli")
            resources.push_async_callback(redis.aclose)
        install(bot, shared_budget(telegram, redis, settings, resources), Priority.LATER)
        yield bot


def _when(seconds: int) -> str:
    if not seconds:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _table(group_id: int, rows: list[Row], lifting: bool) -> str:
    lines = [f"{'user':<14} {'telegram':<11} {'until':<26} {'ledger until':<26} finding"]
    for row in rows:
        lifted = f"  -> released: action {row.action_id}" if row.action_id else ""
        lines.append(
            f"{row.user_id:<14} {row.telegram_status or '?':<11} {_when(row.telegram_until):<26}"
            f" {_when(row.ledger_until):<26} {row.finding.value}{lifted}"
        )
    counts = Counter(row.finding.value for row in rows)
    summary = ", ".join(f"{counts[f.value]} {f.value}" for f in Finding)
    lines.append(f"group {group_id}: {len(rows)} member(s): {summary}")
    if not lifting and any(row.finding in OUT_OF_LINE for row in rows):
        lines.append("stranded and unapplied ones: `gmbot reconcile --lift` releases them")
    return "\n".join(lines)


def _json(group_id: int, rows: list[Row]) -> str:
    counts = Counter(row.finding.value for row in rows)
    return json.dumps(
        {
            "group_id": group_id,
            "members": [asdict(row) for row in rows],
            "counts": {f.value: counts[f.value] for f in Finding},
        },
        indent=2,
    )


async def run_reconcile(
    settings: CliSettings, token: SecretStr, group_id: int, lift: bool, as_json: bool
) -> int:
    """0 when the records explain Telegram (or --lift released what they did not), else 1."""
    held = await _ledger(settings, group_id)
    users = sorted(set(await _seen_members(settings, group_id)) | held.keys())
    rows = []
    async with _budgeted_bot(settings, token) as bot:
        with priority(Priority.LATER):
            for user_id in users:
                seen = await _telegram(bot, group_id, user_id)
                rows.append(
                    Row(
                        user_id,
                        classify(seen, user_id in held),
                        seen.status if seen else "",
                        seen.until if seen else 0,
                        held.get(user_id, 0),
                    )
                )
    if lift:
        await _lift(settings, group_id, rows)
    print(_json(group_id, rows) if as_json else _table(group_id, rows, lift))
    return 0 if lift or not any(row.finding in OUT_OF_LINE for row in rows) else 1
