"""What each `gmbot` command does, over gRPC, and what it prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import grpc

from gmbot.cli.settings import CliSettings
from gmbot.runtime.aiogram_types import import_aiogram
from gmbot.runtime.client import open_channel
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import enforcement_pb2_grpc, membership_pb2_grpc, tenancy_pb2_grpc
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy

T = TypeVar("T")
# What a missing restriction means to the ledger: the member's latest action in a group.
_RESTRICTING = {enforcement.ACTION_KIND_ENFORCE, enforcement.ACTION_KIND_RENEW_MUTE}
_LIFTING = {enforcement.ACTION_KIND_RELEASE, enforcement.ACTION_KIND_KICK}


class OperatorError(Exception):
    """A command that cannot do what was asked; the message says why, in one line."""


class CallFailed(Exception):
    """A service refused a call or could not be reached."""

    def __init__(self, service: str, address: str, error: grpc.aio.AioRpcError) -> None:
        hint = {
            grpc.StatusCode.UNAVAILABLE: " (is it running there? set the address variable)",
            grpc.StatusCode.UNAUTHENTICATED: " (AUTH_TOKEN or CALLER_TOKEN is not one it knows)",
            grpc.StatusCode.PERMISSION_DENIED: " (this token's scopes do not allow it)",
            grpc.StatusCode.DEADLINE_EXCEEDED: " (raise GRPC_DEADLINE_SECONDS?)",
        }.get(error.code(), "")
        details = (error.details() or "").splitlines()[0] if error.details() else ""
        super().__init__(f"{service} at {address}: {error.code().name}: {details}{hint}")


async def call(service: str, address: str, pending: Awaitable[T]) -> T:
    try:
        return await pending
    except grpc.aio.AioRpcError as error:
        raise CallFailed(service, address, error) from None


def _name(enum: type, value: int, prefix: str) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()  # type: ignore[attr-defined]


async def _all_groups(settings: CliSettings) -> AsyncIterator[tenancy.GroupPolicy]:
    async with open_channel(settings.tenancy_addr, settings) as channel:
        stub = tenancy_pb2_grpc.TenancyServiceStub(channel)
        token = ""
        while True:
            page = await call(
                "tenancy",
                settings.tenancy_addr,
                stub.ListGroups(tenancy.ListGroupsRequest(page_token=token, page_size=500)),
            )
            for group in page.groups:
                yield group
            token = page.next_page_token
            if not token:
                return


def _state(group: tenancy.GroupPolicy) -> str:
    if not group.enabled:
        return "off"
    return f"suspended: {group.suspended_reason}" if group.suspended_reason else "protected"


def _channels(group: tenancy.GroupPolicy) -> str:
    return ", ".join(
        f"@{c.username}" if c.username else f"{c.title} ({c.channel_id})" for c in group.channels
    )


async def groups(settings: CliSettings) -> int:
    count = 0
    async for group in _all_groups(settings):
        count += 1
        print(
            f"{group.group_id}  {_state(group):<10} {group.title!r}  channels: {_channels(group)}"
        )
    print(f"{count} group(s)")
    return 0


async def _recent(
    settings: CliSettings, group_id: int, limit: int
) -> list[enforcement.ActionRecord]:
    async with open_channel(settings.enforcement_addr, settings) as channel:
        answer = await call(
            "enforcement",
            settings.enforcement_addr,
            enforcement_pb2_grpc.EnforcementServiceStub(channel).ListRecentActions(
                enforcement.ListRecentActionsRequest(group_id=group_id, limit=min(limit, 200))
            ),
        )
    return list(answer.actions)


def _restricted_by_ledger(actions: list[enforcement.ActionRecord]) -> list[int]:
    """Members whose latest restricting-or-lifting action in these records restricts them."""
    latest: dict[int, enforcement.ActionRecord] = {}
    for action in sorted(actions, key=lambda a: a.created_at.ToDatetime()):
        if action.kind in _RESTRICTING | _LIFTING and action.user_id:
            latest[action.user_id] = action
    return sorted(
        user
        for user, action in latest.items()
        if action.kind in _RESTRICTING and action.state != enforcement.ACTION_STATE_FAILED
    )


async def group(settings: CliSettings, group_id: int, limit: int) -> int:
    async with open_channel(settings.tenancy_addr, settings) as channel:
        answer = await call(
            "tenancy",
            settings.tenancy_addr,
            tenancy_pb2_grpc.TenancyServiceStub(channel).GetGroupPolicy(
                tenancy.GetGroupPolicyRequest(group_id=group_id)
            ),
        )
    policy = answer.policy
    actions = await _recent(settings, group_id, limit)
    print(
        f"group {policy.group_id} {policy.title!r}: {_state(policy)}, owner {policy.owner_user_id}"
    )
    print(f"  channels: {_channels(policy) or '-'}")
    rules = policy.settings
    action = _name(tenancy.EnforcementAction, rules.action, "ENFORCEMENT_ACTION_")
    unknown = _name(tenancy.UnknownPolicy, rules.on_unknown, "UNKNOWN_POLICY_")
    print(
        f"  missing a channel: {action}; unknown: {unknown}; exempt: {len(rules.exempt_user_ids)}"
    )
    if not actions:
        print("  the ledger has no actions for this group")
        return 0
    oldest = min(a.created_at.ToDatetime() for a in actions).isoformat(timespec="seconds")
    kinds = Counter(
        (
            _name(enforcement.ActionKind, a.kind, "ACTION_KIND_"),
            _name(enforcement.ActionState, a.state, "ACTION_STATE_"),
        )
        for a in actions
    )
    print(f"  the ledger's last {len(actions)} action(s), since {oldest}:")
    for (kind, state), n in sorted(kinds.items()):
        print(f"    {kind:<16} {state:<8} {n}")
    members = {a.user_id for a in actions if a.kind == enforcement.ACTION_KIND_ENFORCE}
    print(
        f"  members acted on: {len(members)}; restricted now: {len(_restricted_by_ledger(actions))}"
    )
    return 0


async def _restricted_groups(
    settings: CliSettings, user: int
) -> enforcement.ListRestrictedGroupsResponse:
    async with open_channel(settings.enforcement_addr, settings) as channel:
        return await call(
            "enforcement",
            settings.enforcement_addr,
            enforcement_pb2_grpc.EnforcementServiceStub(channel).ListRestrictedGroups(
                enforcement.ListRestrictedGroupsRequest(user_id=user)
            ),
        )


async def restrictions(settings: CliSettings, user: int) -> int:
    answer = await _restricted_groups(settings, user)
    for group_id in answer.group_ids:
        print(f"{group_id}  restricted by GMBot")
    for group_id in answer.pending_join_request_group_ids:
        print(f"{group_id}  join request waiting on channels")
    if not answer.group_ids and not answer.pending_join_request_group_ids:
        print(f"GMBot restricts user {user} nowhere")
    return 0


async def restricted_members(settings: CliSettings, group_id: int) -> int:
    """Members GMBot restricts in a group: the ledger's recent actions, each confirmed."""
    candidates = _restricted_by_ledger(await _recent(settings, group_id, 200))
    confirmed = [
        user
        for user in candidates
        if group_id in (await _restricted_groups(settings, user)).group_ids
    ]
    for user in confirmed:
        print(f"{user}  restricted by GMBot in {group_id}")
    print(f"{len(confirmed)} member(s) (from the ledger's last 200 actions of the group)")
    return 0


async def lift(settings: CliSettings, user: int, group_ids: list[int]) -> int:
    held = list((await _restricted_groups(settings, user)).group_ids)
    targets = group_ids or held
    if not targets:
        print(f"GMBot restricts user {user} nowhere: nothing to lift")
        return 0
    async with open_channel(settings.enforcement_addr, settings) as channel:
        stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
        for group_id in targets:
            answer = await call(
                "enforcement",
                settings.enforcement_addr,
                stub.Release(
                    enforcement.ReleaseRequest(
                        idempotency_key=f"operator:lift:{group_id}:{user}:{len(held)}",
                        group_id=group_id,
                        user_id=user,
                        reason=enforcement.ACTION_REASON_MANUAL,
                    )
                ),
            )
            note = "" if group_id in held else " (the ledger held no restriction there)"
            print(f"{group_id}  lifting: action {answer.action_id}{note}")
    return 0


async def check_membership(
    settings: CliSettings, user: int, channels: list[int], fresh: bool
) -> int:
    async with open_channel(settings.membership_addr, settings) as channel:
        answer = await call(
            "membership",
            settings.membership_addr,
            membership_pb2_grpc.MembershipServiceStub(channel).CheckMembership(
                membership.CheckMembershipRequest(user_id=user, channel_ids=channels, fresh=fresh)
            ),
        )
    for item in answer.channels:
        status = membership.MembershipStatus.Name(item.status).removeprefix("MEMBERSHIP_STATUS_")
        source = membership.AnswerSource.Name(item.source).removeprefix("ANSWER_SOURCE_")
        when = item.observed_at.ToDatetime().isoformat() if item.HasField("observed_at") else "-"
        reason = f"  ({item.unknown_reason})" if item.unknown_reason else ""
        print(f"{item.channel_id}  {status:<10} from {source:<8} at {when}{reason}")
    return 0 if answer.all_member else 1


async def actions(settings: CliSettings, group: int, limit: int) -> int:
    for action in await _recent(settings, group, limit):
        kind = _name(enforcement.ActionKind, action.kind, "ACTION_KIND_")
        state = _name(enforcement.ActionState, action.state, "ACTION_STATE_")
        reason = _name(enforcement.ActionReason, action.reason, "ACTION_REASON_")
        created = action.created_at.ToDatetime().isoformat(timespec="seconds")
        error = f"  {action.error}" if action.error else ""
        print(f"{created}  {kind:<16} {state:<8} user {action.user_id:<12} {reason}{error}")
    else:
        print("no actions recorded for this group")
    return 0


async def doctor(settings: CliSettings) -> int:
    if settings.bot_token is None:
        raise OperatorError("doctor needs BOT_TOKEN (and TELEGRAM_API_URL when not Telegram)")
    try:
        import_aiogram()  # its ~440 types built when used, not all at import: seconds of CPU
        from gmbot.cli.doctor import run_doctor
        from gmbot.runtime.telegram import TelegramSettings, create_bot
    except ImportError:
        raise OperatorError(
            "doctor asks the Bot API itself: run it where aiogram is installed (the membership, "
            "enforcement or gateway image, or gmbot-cli[doctor])"
        ) from None
    bot = create_bot(
        TelegramSettings(bot_token=settings.bot_token, telegram_api_url=settings.telegram_api_url)
    )
    try:
        report = await run_doctor(bot, _all_groups(settings))
    finally:
        await bot.session.close()
    print("\n".join(report.lines))
    print(f"\n{report.problems} problem(s)" if report.problems else "\nall good")
    return 1 if report.problems else 0


async def reconcile(settings: CliSettings, group_id: int, lift: bool, as_json: bool) -> int:
    if settings.bot_token is None:
        raise OperatorError("reconcile needs BOT_TOKEN (and TELEGRAM_API_URL when not Telegram)")
    try:
        import_aiogram()
        from gmbot.cli.reconcile import run_reconcile
    except ImportError:
        raise OperatorError(
            "reconcile asks the Bot API itself: run it where aiogram is installed (the "
            "membership, enforcement or gateway image, or gmbot-cli[doctor])"
        ) from None
    return await run_reconcile(settings, settings.bot_token, group_id, lift, as_json)
