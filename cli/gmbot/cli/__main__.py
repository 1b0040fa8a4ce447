"""`python -m gmbot.cli` (or `gmbot`): operate a running GMBot.

gmbot migrate [tenancy|enforcement|all]   bring the schemas up to date
gmbot doctor                              token, webhook, updates and rights everywhere
gmbot check-membership USER CHANNEL...    ask membership over gRPC [--fresh]
gmbot actions GROUP [--limit N]           a group's recent actions from the ledger
gmbot dead-letters [--replay ID]          updates the gateway set aside; replay one
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

from gmbot.cli.dead_letters import list_letters, replay
from gmbot.cli.doctor import run_doctor
from gmbot.cli.settings import CliSettings
from gmbot.runtime.client import open_channel
from gmbot.runtime.settings import load_settings
from gmbot.runtime.telegram import TelegramSettings, create_bot
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import enforcement_pb2_grpc, membership_pb2_grpc, tenancy_pb2_grpc
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy

SERVICES_WITH_SCHEMAS = ("tenancy", "enforcement")


def migrate(which: str) -> int:
    """Runs each service's own `migrate` with this environment (the service knows its schema)."""
    for service in SERVICES_WITH_SCHEMAS if which == "all" else (which,):
        print(f"migrating {service}")
        code = subprocess.call([sys.executable, "-m", f"gmbot.{service}", "migrate"])  # noqa: S603
        if code:
            return code
    return 0


async def doctor(settings: CliSettings) -> int:
    if settings.bot_token is None:
        print("doctor needs BOT_TOKEN (and TELEGRAM_API_URL when not Telegram itself)")
        return 2
    bot = create_bot(
        TelegramSettings(bot_token=settings.bot_token, telegram_api_url=settings.telegram_api_url)
    )
    async with open_channel(settings.tenancy_addr, settings) as channel:
        stub = tenancy_pb2_grpc.TenancyServiceStub(channel)

        async def groups() -> AsyncIterator[tenancy.GroupPolicy]:
            token = ""
            while True:
                page = await stub.ListGroups(tenancy.ListGroupsRequest(page_token=token))
                for group in page.groups:
                    yield group
                token = page.next_page_token
                if not token:
                    return

        try:
            report = await run_doctor(bot, groups())
        finally:
            await bot.session.close()
    print("\n".join(report.lines))
    print(f"\n{report.problems} problem(s)" if report.problems else "\nall good")
    return 1 if report.problems else 0


async def check_membership(
    settings: CliSettings, user: int, channels: list[int], fresh: bool
) -> int:
    async with open_channel(settings.membership_addr, settings) as channel:
        answer = await membership_pb2_grpc.MembershipServiceStub(channel).CheckMembership(
            membership.CheckMembershipRequest(user_id=user, channel_ids=channels, fresh=fresh)
        )
    for item in answer.channels:
        status = membership.MembershipStatus.Name(item.status).removeprefix("MEMBERSHIP_STATUS_")
        source = membership.AnswerSource.Name(item.source).removeprefix("ANSWER_SOURCE_")
        when = item.observed_at.ToDatetime().isoformat() if item.HasField("observed_at") else "-"
        reason = f"  ({item.unknown_reason})" if item.unknown_reason else ""
        print(f"{item.channel_id}  {status:<10} from {source:<8} at {when}{reason}")
    return 0 if answer.all_member else 1


async def actions(settings: CliSettings, group: int, limit: int) -> int:
    async with open_channel(settings.enforcement_addr, settings) as channel:
        answer = await enforcement_pb2_grpc.EnforcementServiceStub(channel).ListRecentActions(
            enforcement.ListRecentActionsRequest(group_id=group, limit=limit)
        )
    for action in answer.actions:
        kind = enforcement.ActionKind.Name(action.kind).removeprefix("ACTION_KIND_").lower()
        state = enforcement.ActionState.Name(action.state).removeprefix("ACTION_STATE_").lower()
        reason = enforcement.ActionReason.Name(action.reason).removeprefix("ACTION_REASON_").lower()
        created = action.created_at.ToDatetime().isoformat(timespec="seconds")
        error = f"  {action.error}" if action.error else ""
        print(f"{created}  {kind:<16} {state:<8} user {action.user_id:<12} {reason}{error}")
    if not answer.actions:
        print("no actions recorded for this group")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="gmbot", description="Operate a running GMBot.")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate_parser = commands.add_parser("migrate", help="bring the schemas up to date")
    migrate_parser.add_argument(
        "service", nargs="?", default="all", choices=["all", *SERVICES_WITH_SCHEMAS]
    )
    commands.add_parser("doctor", help="check token, webhook and the bot's rights everywhere")
    check = commands.add_parser("check-membership", help="is USER in each CHANNEL")
    check.add_argument("user", type=int)
    check.add_argument("channels", type=int, nargs="+")
    check.add_argument("--fresh", action="store_true", help="ask Telegram, not the cache")
    recent = commands.add_parser("actions", help="a group's recent actions")
    recent.add_argument("group", type=int)
    recent.add_argument("--limit", type=int, default=20)
    letters = commands.add_parser("dead-letters", help="updates the gateway set aside")
    letters.add_argument("--replay", metavar="ID", help="hand one back to the gateway")
    args = parser.parse_args()
    if args.command == "migrate":
        sys.exit(migrate(args.service))
    settings = load_settings(CliSettings)
    match args.command:
        case "doctor":
            code = asyncio.run(doctor(settings))
        case "check-membership":
            code = asyncio.run(check_membership(settings, args.user, args.channels, args.fresh))
        case "dead-letters":
            code = replay(settings, args.replay) if args.replay else list_letters(settings)
        case _:
            code = asyncio.run(actions(settings, args.group, args.limit))
    sys.exit(code)


if __name__ == "__main__":
    main()
