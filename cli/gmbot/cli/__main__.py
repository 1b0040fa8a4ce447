"""`python -m gmbot.cli` (or `gmbot`): operate a running GMBot.

Every failure is one line on stderr (which service, which address, what it said), never a
traceback: exit 1 when a service refused or could not be reached, 2 for bad configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

import grpc
from pydantic import ValidationError

from gmbot.cli import dead_letters, operations
from gmbot.cli.settings import CONFIG_FILE_VARIABLE, DEFAULT_CONFIG_FILE, CliSettings

SERVICES_WITH_SCHEMAS = ("tenancy", "enforcement")

ENVIRONMENT = f"""\
environment (also read from ./.env and from the file ${CONFIG_FILE_VARIABLE}, by default
{DEFAULT_CONFIG_FILE} when it exists: `make run` writes it):
  AUTH_TOKEN            the shared bearer token of the services
  CALLER_TOKEN          this caller's own token, when the services use per-caller tokens
                        (AUTH_CALLERS; the operator's scope is `operator`); wins over AUTH_TOKEN
  TENANCY_ADDR          tenancy's gRPC address        (default 127.0.0.1:50051)
  MEMBERSHIP_ADDR       membership's gRPC address     (default 127.0.0.1:50052)
  ENFORCEMENT_ADDR      enforcement's gRPC address    (default 127.0.0.1:50053)
  GATEWAY_URL           the gateway's operators' port, for dead-letters
                        (default http://127.0.0.1:9104)
  GRPC_DEADLINE_SECONDS every call's deadline         (default 2)
  TLS_CA_FILE, TLS_CLIENT_CERT_FILE, TLS_CLIENT_KEY_FILE   TLS / mTLS towards the services
  BOT_TOKEN, TELEGRAM_API_URL                              for `doctor` and `reconcile`
  REDIS_URL, BUDGET_REDIS_PREFIX   the services' Redis, for `reconcile`'s share of the Bot
                        API budget (without it the budget is leased from enforcement)
  DATABASE_URL and each service's settings                 for `migrate` only

From a container of any GMBot image, with the environment compose gave it:
  docker-compose exec tenancy gmbot groups
"""


def migrate(which: str, check: bool = False) -> int:
    """Runs each service's own `migrate` with this environment (the service knows its schema).
    With `check`, each says whether its schema matches the code instead: 0 when all do."""
    command = ["migrate", "--check"] if check else ["migrate"]
    failed = 0
    for service in SERVICES_WITH_SCHEMAS if which == "all" else (which,):
        if not check:
            print(f"migrating {service}")
        code = subprocess.call([sys.executable, "-m", f"gmbot.{service}", *command])  # noqa: S603
        if code and not check:
            return code
        failed = failed or code
    return failed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gmbot",
        description="Operate a running GMBot: its groups, its restrictions, its health.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("groups", help="every group GMBot knows, with its channels and state")
    group = commands.add_parser(
        "group", help="one group: its policy, and what the ledger tells of its recent actions"
    )
    group.add_argument("group", type=int)
    group.add_argument("--limit", type=int, default=200, help="recent actions to count (≤200)")
    restrictions = commands.add_parser(
        "restrictions", help="where GMBot restricts USER, or whom it restricts in --group"
    )
    who = restrictions.add_mutually_exclusive_group(required=True)
    who.add_argument("user", type=int, nargs="?")
    who.add_argument("--group", type=int, help="members GMBot restricts in this group")
    lift = commands.add_parser(
        "lift", help="lift GMBot's restriction on USER in GROUPs (default: everywhere)"
    )
    lift.add_argument("user", type=int)
    lift.add_argument("groups", type=int, nargs="*")
    check = commands.add_parser("check-membership", help="is USER in each CHANNEL")
    check.add_argument("user", type=int)
    check.add_argument("channels", type=int, nargs="+")
    check.add_argument("--fresh", action="store_true", help="ask Telegram, not the cache")
    recent = commands.add_parser("actions", help="a group's recent actions from the ledger")
    recent.add_argument("group", type=int)
    recent.add_argument("--limit", type=int, default=20)
    letters = commands.add_parser("dead-letters", help="updates the gateway set aside")
    letters.add_argument("--replay", metavar="ID", help="hand one back to the gateway")
    commands.add_parser("doctor", help="check token, webhook and the bot's rights everywhere")
    reconcile = commands.add_parser(
        "reconcile",
        help="after a restore or a Redis loss: GMBot's records of GROUP's members against Telegram",
    )
    reconcile.add_argument("group", type=int)
    reconcile.add_argument(
        "--lift",
        action="store_true",
        help="release GMBot's mutes the ledger lost, and end the records Telegram does not show",
    )
    reconcile.add_argument("--json", action="store_true", help="the findings as JSON")
    migrate_parser = commands.add_parser("migrate", help="bring the schemas up to date")
    migrate_parser.add_argument(
        "service", nargs="?", default="all", choices=["all", *SERVICES_WITH_SCHEMAS]
    )
    migrate_parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing: say whether each schema matches the code (exit 0) or not (exit 1)",
    )
    return parser


def _command(
    args: argparse.Namespace, settings: CliSettings
) -> Callable[[], Coroutine[Any, Any, int]]:
    match args.command:
        case "groups":
            return lambda: operations.groups(settings)
        case "group":
            return lambda: operations.group(settings, args.group, args.limit)
        case "restrictions" if args.group is not None:
            return lambda: operations.restricted_members(settings, args.group)
        case "restrictions":
            return lambda: operations.restrictions(settings, args.user)
        case "lift":
            return lambda: operations.lift(settings, args.user, args.groups)
        case "check-membership":
            return lambda: operations.check_membership(
                settings, args.user, args.channels, args.fresh
            )
        case "actions":
            return lambda: operations.actions(settings, args.group, args.limit)
        case "dead-letters" if args.replay:
            return lambda: asyncio.to_thread(dead_letters.replay, settings, args.replay)
        case "dead-letters":
            return lambda: asyncio.to_thread(dead_letters.list_letters, settings)
        case "reconcile":
            return lambda: operations.reconcile(settings, args.group, args.lift, args.json)
        case _:
            return lambda: operations.doctor(settings)


def _one_line(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper() or "settings"
        problems.append(f"{name}: {item['msg']}")
    return "; ".join(problems)


def _fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"gmbot: {message}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "migrate":
        sys.exit(migrate(args.service, args.check))
    try:
        settings = CliSettings.load()
    except ValidationError as error:
        _fail(f"bad configuration: {_one_line(error)} (gmbot --help lists them)", 2)
    except OSError as error:
        _fail(f"cannot read the configuration: {error}", 2)
    try:
        code = asyncio.run(_command(args, settings)())
    except (operations.CallFailed, operations.OperatorError) as error:
        _fail(str(error))
    except grpc.aio.AioRpcError as error:
        _fail(f"{error.code().name}: {error.details()}")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # the operator gets one line, never a traceback
        _fail(f"{error.__class__.__name__}: {error}")
    sys.exit(code)


if __name__ == "__main__":
    main()
