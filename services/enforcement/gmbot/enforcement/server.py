"""The EnforcementService servicer: requests become ledger actions; nothing here talks to
Telegram except the synchronous CreateInviteLink."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.enforcement.action_store import now
from gmbot.enforcement.actions import (
    Ban,
    BanSenderChat,
    DecideJoinRequest,
    Enforce,
    JoinButton,
    JoinDecision,
    Kick,
    Kind,
    Later,
    MemberAction,
    NewAction,
    Observation,
    Payload,
    Permanent,
    Release,
    ReleaseGroup,
    State,
    Unban,
    WarningSpec,
)
from gmbot.enforcement.intake import ActionIntake
from gmbot.enforcement.ledger import Ledger
from gmbot.enforcement.models import ActionRow, RestrictionRow
from gmbot.enforcement.stats_store import Activity, Figures
from gmbot.enforcement.telegram import TelegramActions
from gmbot.runtime.errors import FailedPrecondition, InvalidArgument, Unavailable
from gmbot.runtime.ids import check_supergroup_id, check_user_id
from gmbot.runtime.timestamps import to_timestamp
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]
MAX_KEY = 200
MAX_BUTTONS = 10
MAX_ACTIVITIES = 1000
MAX_RESTRICTIONS_PAGE = 50
_GROUP_RELEASES = {pb.ACTION_REASON_UNPROTECTED, pb.ACTION_REASON_SUSPENDED}
_MEMBER_ACTIONS = {
    pb.MEMBER_ACTION_MUTE: MemberAction.MUTE,
    pb.MEMBER_ACTION_KICK: MemberAction.KICK,
    pb.MEMBER_ACTION_DELETE_ONLY: MemberAction.DELETE_ONLY,
}
_DECISIONS = {
    pb.JOIN_DECISION_APPROVE: JoinDecision.APPROVE,
    pb.JOIN_DECISION_DECLINE: JoinDecision.DECLINE,
    pb.JOIN_DECISION_WAIT: JoinDecision.WAIT,
}
_KINDS = {kind: pb.ActionKind.Value(f"ACTION_KIND_{kind.name}") for kind in Kind}
_STATES = {
    State.PENDING: pb.ACTION_STATE_PENDING,
    State.RUNNING: pb.ACTION_STATE_PENDING,
    State.DONE: pb.ACTION_STATE_DONE,
    State.FAILED: pb.ACTION_STATE_FAILED,
    State.SKIPPED: pb.ACTION_STATE_SKIPPED,
    State.OBSERVED: pb.ACTION_STATE_OBSERVED,
}


def _text(value: str, field: str) -> str:
    """PostgreSQL stores no NUL character: refused here, where the caller can be told which."""
    if "\x00" in value:
        raise InvalidArgument(f"{field} contains a NUL character", field=field)
    return value


def _key(value: str) -> str:
    if not 0 < len(value) <= MAX_KEY:
        raise InvalidArgument(
            f"idempotency_key must be 1..{MAX_KEY} characters", field="idempotency_key"
        )
    return _text(value, "idempotency_key")


_REASONS = {
    value.number: value.name.removeprefix("ACTION_REASON_").lower()
    for value in pb.ActionReason.DESCRIPTOR.values
}
_REASON_NUMBERS = {name: pb.ActionReason.ValueType(number) for number, name in _REASONS.items()}


def _reason(value: int) -> str:
    return _REASONS.get(value, "unspecified")


def _reason_number(reason: str) -> pb.ActionReason.ValueType:
    return _REASON_NUMBERS.get(reason, pb.ACTION_REASON_UNSPECIFIED)


def _spec(warning: pb.WarningSpec) -> WarningSpec:
    if len(warning.join_buttons) > MAX_BUTTONS:
        raise InvalidArgument(f"at most {MAX_BUTTONS} join buttons", field="warning.join_buttons")
    for button in warning.join_buttons:
        if not button.url.startswith("https://t.me/") or not 0 < len(button.text) <= 64:
            raise InvalidArgument(
                "join buttons need a 1..64 character text and an https://t.me/ url",
                field="warning.join_buttons",
            )
    if warning.private_view_url and not warning.private_view_url.startswith("https://t.me/"):
        raise InvalidArgument(
            "warning.private_view_url must be an https://t.me/ link",
            field="warning.private_view_url",
        )
    ttl = warning.ttl_seconds or 300
    if not 10 <= ttl <= 86_400:
        raise InvalidArgument("warning.ttl_seconds must be 10..86400", field="warning.ttl_seconds")
    return WarningSpec(
        language=_text(warning.language or "en", "warning.language"),
        custom_text=_text(warning.custom_text, "warning.custom_text"),
        user_display_name=_text(warning.user_display_name, "warning.user_display_name"),
        group_title=_text(warning.group_title, "warning.group_title"),
        join_buttons=tuple(
            JoinButton(
                _text(b.text, "warning.join_buttons.text"),
                _text(b.url, "warning.join_buttons.url"),
            )
            for b in warning.join_buttons
        ),
        ttl_seconds=ttl,
        message_thread_id=warning.message_thread_id,
        reply_to_message_id=warning.reply_to_message_id,
        private_view_url=_text(warning.private_view_url, "warning.private_view_url"),
    )


def _observation(request: Any) -> Observation | None:
    """The request's observe mode, if it asks for it."""
    if not request.HasField("observe"):
        return None
    observe = request.observe
    if observe.digest_user_id:
        check_user_id(observe.digest_user_id, "observe.digest_user_id")
    return Observation(
        digest_user_id=observe.digest_user_id,
        language=observe.language or "en",
        group_title=observe.group_title,
    )


def _restriction(row: RestrictionRow) -> pb.GroupRestriction:
    return pb.GroupRestriction(
        user_id=row.user_id,
        display_name=row.display_name,
        reason=_reason_number(row.reason),
        since=to_timestamp(row.imposed_at),
        until=to_timestamp(float(row.until_date)),
    )


def _figures(hours: int, figures: Figures, by_channel: dict[int, int]) -> pb.GroupFigures:
    channels = [
        pb.ChannelFigures(channel_id=channel, members_joined_through_gmbot=members)
        for channel, members in by_channel.items()
    ]
    return pb.GroupFigures(hours=hours, **vars(figures), channels=channels)


def _member(group_id: int, user_id: int) -> None:
    check_supergroup_id(group_id, "group_id")
    check_user_id(user_id, "user_id")


def _timestamp(value: Any) -> Timestamp:
    stamp = Timestamp()
    if value is not None:
        stamp.FromDatetime(value)
    return stamp


def _record(row: ActionRow) -> pb.ActionRecord:
    return pb.ActionRecord(
        action_id=row.action_id,
        idempotency_key=row.idempotency_key,
        kind=_KINDS[Kind(row.kind)],
        state=_STATES[State(row.state)],
        group_id=row.group_id,
        user_id=row.user_id,
        reason=_reason_number(row.reason),
        warning_message_id=row.warning_message_id or 0,
        error=row.error or "",
        created_at=_timestamp(row.created_at),
        finished_at=_timestamp(row.finished_at) if row.finished_at else None,
        telegram_calls=row.telegram_calls,
    )


class EnforcementServicer(enforcement_pb2_grpc.EnforcementServiceServicer):
    def __init__(self, intake: ActionIntake, ledger: Ledger, telegram: TelegramActions) -> None:
        self._intake = intake
        self._ledger = ledger
        self._telegram = telegram

    async def _accept(
        self,
        key: str,
        group_id: int,
        user_id: int,
        reason: int,
        payload: Payload,
        observation: Observation | None = None,
    ) -> tuple[str, bool]:
        return await self._intake.accept(
            NewAction(
                _key(key), group_id, user_id, _reason(reason), payload, observation=observation
            )
        )

    async def Enforce(self, request: pb.EnforceRequest, context: Context) -> pb.EnforceResponse:
        _member(request.group_id, request.user_id)
        if request.action not in _MEMBER_ACTIONS:
            raise InvalidArgument("action must be mute, kick or delete_only", field="action")
        payload = Enforce(
            action=_MEMBER_ACTIONS[request.action],
            message_id=request.message_id,
            warning=_spec(request.warning) if request.HasField("warning") else None,
            kick_after_minutes=request.kick_after_minutes,
        )
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            payload,
            _observation(request),
        )
        return pb.EnforceResponse(action_id=action_id, accepted=accepted)

    async def Release(self, request: pb.ReleaseRequest, context: Context) -> pb.ReleaseResponse:
        _member(request.group_id, request.user_id)
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            Release(),
        )
        return pb.ReleaseResponse(action_id=action_id, accepted=accepted)

    async def ReleaseGroup(
        self, request: pb.ReleaseGroupRequest, context: Context
    ) -> pb.ReleaseGroupResponse:
        check_supergroup_id(request.group_id, "group_id")
        if request.reason not in _GROUP_RELEASES:
            raise InvalidArgument("reason must be unprotected or suspended", field="reason")
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            0,
            request.reason,
            ReleaseGroup(before=time.time()),
        )
        return pb.ReleaseGroupResponse(action_id=action_id, accepted=accepted)

    async def Kick(self, request: pb.KickRequest, context: Context) -> pb.KickResponse:
        _member(request.group_id, request.user_id)
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            Kick(),
        )
        return pb.KickResponse(action_id=action_id, accepted=accepted)

    async def Ban(self, request: pb.BanRequest, context: Context) -> pb.BanResponse:
        _member(request.group_id, request.user_id)
        try:
            until = request.until.ToSeconds() if request.HasField("until") else 0
        except ValueError:
            raise InvalidArgument("until is not a valid timestamp", field="until") from None
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            Ban(until=until),
        )
        return pb.BanResponse(action_id=action_id, accepted=accepted)

    async def Unban(self, request: pb.UnbanRequest, context: Context) -> pb.UnbanResponse:
        _member(request.group_id, request.user_id)
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            Unban(),
        )
        return pb.UnbanResponse(action_id=action_id, accepted=accepted)

    async def BanSenderChat(
        self, request: pb.BanSenderChatRequest, context: Context
    ) -> pb.BanSenderChatResponse:
        check_supergroup_id(request.group_id, "group_id")
        check_supergroup_id(request.sender_chat_id, "sender_chat_id")
        payload = BanSenderChat(
            sender_chat_id=request.sender_chat_id, message_id=request.message_id, ban=request.ban
        )
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            0,
            pb.ACTION_REASON_SENDER_CHAT,
            payload,
            _observation(request),
        )
        return pb.BanSenderChatResponse(action_id=action_id, accepted=accepted)

    async def DecideJoinRequest(
        self, request: pb.DecideJoinRequestRequest, context: Context
    ) -> pb.DecideJoinRequestResponse:
        _member(request.group_id, request.user_id)
        if request.decision not in _DECISIONS:
            raise InvalidArgument("decision must be approve, decline or wait", field="decision")
        payload = DecideJoinRequest(_DECISIONS[request.decision])
        if request.decision == pb.JOIN_DECISION_WAIT:
            check_user_id(request.user_chat_id, "user_chat_id")
            payload = DecideJoinRequest(
                JoinDecision.WAIT, user_chat_id=request.user_chat_id, notice=_spec(request.notice)
            )
        action_id, accepted = await self._accept(
            request.idempotency_key,
            request.group_id,
            request.user_id,
            request.reason,
            payload,
            _observation(request),
        )
        return pb.DecideJoinRequestResponse(action_id=action_id, accepted=accepted)

    async def CreateInviteLink(
        self, request: pb.CreateInviteLinkRequest, context: Context
    ) -> pb.CreateInviteLinkResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        check_supergroup_id(request.group_id, "group_id")
        async with self._ledger.transaction() as stores:
            link = await stores.invite_links.get(request.channel_id, request.group_id)
        if link is None:
            try:
                # Named for the group, so the channel's admins see where its joins come from.
                made = await self._telegram.invite_link(
                    request.channel_id, f"GMBot · {request.group_id}"[:32]
                )
            except Permanent as refused:
                raise FailedPrecondition(
                    f"the bot cannot create invite links in {request.channel_id}: {refused}"
                ) from refused
            except Later as later:
                raise Unavailable(f"Telegram is busy: {later}") from later
            async with self._ledger.transaction() as stores:
                link = await stores.invite_links.keep(request.channel_id, request.group_id, made)
        return pb.CreateInviteLinkResponse(invite_link=link)

    async def ListRecentActions(
        self, request: pb.ListRecentActionsRequest, context: Context
    ) -> pb.ListRecentActionsResponse:
        check_supergroup_id(request.group_id, "group_id")
        limit = request.limit or 50
        if not 0 < limit <= 200:
            raise InvalidArgument("limit must be 1..200", field="limit")
        async with self._ledger.transaction() as stores:
            rows = await stores.actions.recent(request.group_id, limit)
        return pb.ListRecentActionsResponse(actions=[_record(r) for r in rows])

    async def ListRestrictedGroups(
        self, request: pb.ListRestrictedGroupsRequest, context: Context
    ) -> pb.ListRestrictedGroupsResponse:
        check_user_id(request.user_id, "user_id")
        async with self._ledger.transaction() as stores:
            restricted = await stores.restrictions.groups_of(request.user_id)
            waiting = await stores.join_requests.waiting_groups(request.user_id)
        return pb.ListRestrictedGroupsResponse(
            group_ids=restricted, pending_join_request_group_ids=waiting
        )

    async def ListGroupRestrictions(
        self, request: pb.ListGroupRestrictionsRequest, context: Context
    ) -> pb.ListGroupRestrictionsResponse:
        check_supergroup_id(request.group_id, "group_id")
        limit = request.limit or 10
        if not 0 < limit <= MAX_RESTRICTIONS_PAGE:
            raise InvalidArgument(f"limit must be 1..{MAX_RESTRICTIONS_PAGE}", field="limit")
        async with self._ledger.transaction() as stores:
            rows, total = await stores.restrictions.page_of_group(
                request.group_id, request.offset, limit
            )
        return pb.ListGroupRestrictionsResponse(
            restrictions=[_restriction(r) for r in rows], total=total
        )

    async def RecordActivity(
        self, request: pb.RecordActivityRequest, context: Context
    ) -> pb.RecordActivityResponse:
        if len(request.activities) > MAX_ACTIVITIES:
            raise InvalidArgument(f"at most {MAX_ACTIVITIES} entries", field="activities")
        entries = []
        for entry in request.activities:
            check_supergroup_id(entry.group_id, "activities.group_id")
            entries.append(
                Activity(
                    entry.group_id,
                    entry.hour,
                    entry.messages_checked,
                    entry.joins_checked,
                    entry.bot_api_calls,
                )
            )
        async with self._ledger.transaction() as stores:
            await stores.activity.add(entries)
        return pb.RecordActivityResponse()

    async def RecordChannelJoin(
        self, request: pb.RecordChannelJoinRequest, context: Context
    ) -> pb.RecordChannelJoinResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        check_user_id(request.user_id, "user_id")
        link = _text(request.invite_link, "invite_link")
        if not 1 <= len(link) <= 255:
            raise InvalidArgument("invite_link must be 1..255 characters")
        async with self._ledger.transaction() as stores:
            group_id = await stores.invite_links.group_of(request.channel_id, link)
            if group_id is not None:
                await stores.channel_joins.record(group_id, request.channel_id, request.user_id)
        return pb.RecordChannelJoinResponse(group_id=group_id or 0)

    async def GetGroupStats(
        self, request: pb.GetGroupStatsRequest, context: Context
    ) -> pb.GetGroupStatsResponse:
        check_supergroup_id(request.group_id, "group_id")
        moment = now()
        hours = (24, 168, 720)
        sinces = [moment - timedelta(hours=window) for window in hours]
        async with self._ledger.transaction() as stores:
            figures = await stores.stats.figures(request.group_id, sinces)
            joins = await stores.channel_joins.by_channel(request.group_id, sinces)
            _, muted = await stores.restrictions.page_of_group(request.group_id, 0, 1)
        day, week, month = (_figures(*window) for window in zip(hours, figures, joins, strict=True))
        return pb.GetGroupStatsResponse(
            last_day=day, last_week=week, currently_muted=muted, last_month=month
        )
