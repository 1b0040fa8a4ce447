"""The EnforcementService servicer: requests become the domain's use cases (actions taken in,
queries, the invite link); it translates and holds no transaction of its own."""

from __future__ import annotations

import time
from typing import Any

import grpc

from gmbot.enforcement.domain import message_expiry, queries
from gmbot.enforcement.domain.action_log import ActionLog, Marked
from gmbot.enforcement.domain.actions import (
    Ban,
    BanSenderChat,
    DecideJoinRequest,
    Enforce,
    JoinDecision,
    Kick,
    NewAction,
    Observation,
    Payload,
    Release,
    ReleaseGroup,
    Unban,
)
from gmbot.enforcement.domain.intake import ActionIntake
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.ports import Ledger
from gmbot.enforcement.domain.stats import Activity
from gmbot.enforcement.inbound import replies, requests
from gmbot.enforcement.inbound.channel_rpcs import ChannelRpcs
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import check_supergroup_id, check_user_id, is_basic_group_id
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]
MAX_ACTIVITIES = 1000
MAX_RESTRICTIONS_PAGE = 50
MAX_NAME = 128
_MARKS = {
    Marked.MARKED: pb.LOG_LINE_MARK_MARKED,
    Marked.ALREADY: pb.LOG_LINE_MARK_ALREADY,
    Marked.UNKNOWN: pb.LOG_LINE_MARK_UNKNOWN,
}


class EnforcementServicer(ChannelRpcs, enforcement_pb2_grpc.EnforcementServiceServicer):
    def __init__(
        self, intake: ActionIntake, ledger: Ledger, links: InviteLinks, action_log: ActionLog
    ) -> None:
        self._intake = intake
        self._ledger = ledger
        self._links = links
        self._log = action_log

    async def _accept(
        self,
        request: Any,
        user_id: int,
        reason: int,
        payload: Payload,
        observation: Observation | None = None,
    ) -> tuple[str, bool]:
        key = requests.key(request.idempotency_key)
        new = NewAction(
            key,
            request.group_id,
            user_id,
            requests.reason(reason),
            payload,
            observation=observation,
        )
        return await self._intake.accept(new)

    async def Enforce(self, request: pb.EnforceRequest, context: Context) -> pb.EnforceResponse:
        requests.member(request.group_id, request.user_id)
        if request.action not in requests.MEMBER_ACTIONS:
            raise InvalidArgument("action must be mute, kick or delete_only", field="action")
        payload = Enforce(
            action=requests.MEMBER_ACTIONS[request.action],
            message_id=request.message_id,
            warning=requests.spec(request.warning) if request.HasField("warning") else None,
            kick_after_minutes=request.kick_after_minutes,
        )
        action_id, accepted = await self._accept(
            request, request.user_id, request.reason, payload, requests.observation(request)
        )
        return pb.EnforceResponse(action_id=action_id, accepted=accepted)

    async def Release(self, request: pb.ReleaseRequest, context: Context) -> pb.ReleaseResponse:
        requests.member(request.group_id, request.user_id)
        try:
            until = request.unrecorded_until.ToSeconds()
        except ValueError:
            raise InvalidArgument(
                "unrecorded_until is not a valid timestamp", field="unrecorded_until"
            ) from None
        log = requests.spec(request.log) if request.log.log_chat_id else None
        payload = Release(unrecorded_until=until, log=log)
        action_id, accepted = await self._accept(request, request.user_id, request.reason, payload)
        return pb.ReleaseResponse(action_id=action_id, accepted=accepted)

    async def ReleaseGroup(
        self, request: pb.ReleaseGroupRequest, context: Context
    ) -> pb.ReleaseGroupResponse:
        check_supergroup_id(request.group_id, "group_id")
        if request.reason not in requests.GROUP_RELEASES:
            raise InvalidArgument("reason must be unprotected or suspended", field="reason")
        payload = ReleaseGroup(before=time.time())
        action_id, accepted = await self._accept(request, 0, request.reason, payload)
        return pb.ReleaseGroupResponse(action_id=action_id, accepted=accepted)

    async def Kick(self, request: pb.KickRequest, context: Context) -> pb.KickResponse:
        requests.member(request.group_id, request.user_id)
        action_id, accepted = await self._accept(request, request.user_id, request.reason, Kick())
        return pb.KickResponse(action_id=action_id, accepted=accepted)

    async def Ban(self, request: pb.BanRequest, context: Context) -> pb.BanResponse:
        requests.member(request.group_id, request.user_id)
        try:
            until = request.until.ToSeconds() if request.HasField("until") else 0
        except ValueError:
            raise InvalidArgument("until is not a valid timestamp", field="until") from None
        action_id, accepted = await self._accept(
            request, request.user_id, request.reason, Ban(until=until)
        )
        return pb.BanResponse(action_id=action_id, accepted=accepted)

    async def Unban(self, request: pb.UnbanRequest, context: Context) -> pb.UnbanResponse:
        requests.member(request.group_id, request.user_id)
        action_id, accepted = await self._accept(request, request.user_id, request.reason, Unban())
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
            request, 0, pb.ACTION_REASON_SENDER_CHAT, payload, requests.observation(request)
        )
        return pb.BanSenderChatResponse(action_id=action_id, accepted=accepted)

    async def DecideJoinRequest(
        self, request: pb.DecideJoinRequestRequest, context: Context
    ) -> pb.DecideJoinRequestResponse:
        requests.member(request.group_id, request.user_id)
        if request.decision not in requests.DECISIONS:
            raise InvalidArgument("decision must be approve, decline or wait", field="decision")
        payload = DecideJoinRequest(requests.DECISIONS[request.decision])
        if request.decision == pb.JOIN_DECISION_APPROVE and request.log.log_chat_id:
            payload = DecideJoinRequest(JoinDecision.APPROVE, notice=requests.spec(request.log))
        if request.decision == pb.JOIN_DECISION_WAIT:
            check_user_id(request.user_chat_id, "user_chat_id")
            notice = requests.spec(request.notice)
            payload = DecideJoinRequest(
                JoinDecision.WAIT, user_chat_id=request.user_chat_id, notice=notice
            )
        action_id, accepted = await self._accept(
            request, request.user_id, request.reason, payload, requests.observation(request)
        )
        return pb.DecideJoinRequestResponse(action_id=action_id, accepted=accepted)

    async def ExpireMessage(
        self, request: pb.ExpireMessageRequest, context: Context
    ) -> pb.ExpireMessageResponse:
        check_supergroup_id(request.chat_id, "chat_id")
        if request.message_id <= 0:
            raise InvalidArgument("message_id must be positive", field="message_id")
        if not 0 < request.delay_seconds <= message_expiry.MAX_DELAY_SECONDS:
            raise InvalidArgument(
                f"delay_seconds must be 1..{message_expiry.MAX_DELAY_SECONDS}",
                field="delay_seconds",
            )
        renewed = await message_expiry.expire_later(
            self._ledger, request.chat_id, request.message_id, request.delay_seconds
        )
        return pb.ExpireMessageResponse(renewed=renewed)

    async def MarkLogLineUndone(
        self, request: pb.MarkLogLineUndoneRequest, context: Context
    ) -> pb.MarkLogLineUndoneResponse:
        if not is_basic_group_id(request.chat_id):
            check_supergroup_id(request.chat_id, "chat_id")
        if request.message_id <= 0:
            raise InvalidArgument("message_id must be positive", field="message_id")
        requests.member(request.group_id, request.user_id)
        if len(request.undone_by) > MAX_NAME:
            raise InvalidArgument(f"undone_by is over {MAX_NAME} characters", field="undone_by")
        marked = await self._log.mark_undone(
            request.chat_id,
            request.message_id,
            request.group_id,
            request.user_id,
            request.undone_by,
        )
        return pb.MarkLogLineUndoneResponse(mark=_MARKS[marked])

    async def ListRecentActions(
        self, request: pb.ListRecentActionsRequest, context: Context
    ) -> pb.ListRecentActionsResponse:
        check_supergroup_id(request.group_id, "group_id")
        limit = requests.limit(request.limit, 50, 200)
        rows = await queries.recent_actions(self._ledger, request.group_id, limit)
        return pb.ListRecentActionsResponse(actions=[replies.record(r) for r in rows])

    async def ListRestrictedGroups(
        self, request: pb.ListRestrictedGroupsRequest, context: Context
    ) -> pb.ListRestrictedGroupsResponse:
        check_user_id(request.user_id, "user_id")
        restricted, waiting = await queries.restricted_groups(self._ledger, request.user_id)
        return pb.ListRestrictedGroupsResponse(
            group_ids=restricted, pending_join_request_group_ids=waiting
        )

    async def ListGroupRestrictions(
        self, request: pb.ListGroupRestrictionsRequest, context: Context
    ) -> pb.ListGroupRestrictionsResponse:
        check_supergroup_id(request.group_id, "group_id")
        limit = requests.limit(request.limit, 10, MAX_RESTRICTIONS_PAGE)
        rows, total = await queries.group_restrictions(
            self._ledger, request.group_id, request.offset, limit
        )
        return pb.ListGroupRestrictionsResponse(
            restrictions=[replies.restriction(r) for r in rows], total=total
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
        await queries.record_activity(self._ledger, entries)
        return pb.RecordActivityResponse()

    async def RecordChannelJoin(
        self, request: pb.RecordChannelJoinRequest, context: Context
    ) -> pb.RecordChannelJoinResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        check_user_id(request.user_id, "user_id")
        link = requests.text(request.invite_link, "invite_link")
        if not 1 <= len(link) <= 255:
            raise InvalidArgument("invite_link must be 1..255 characters")
        group_id = await queries.record_channel_join(
            self._ledger, request.channel_id, request.user_id, link, request.invite_link_revoked
        )
        return pb.RecordChannelJoinResponse(group_id=group_id or 0)

    async def GetGroupStats(
        self, request: pb.GetGroupStatsRequest, context: Context
    ) -> pb.GetGroupStatsResponse:
        check_supergroup_id(request.group_id, "group_id")
        return replies.stats(await queries.group_stats(self._ledger, request.group_id))

    async def RecordChannelLeave(
        self, request: pb.RecordChannelLeaveRequest, context: Context
    ) -> pb.RecordChannelLeaveResponse:
        check_supergroup_id(request.channel_id, "channel_id")
        check_user_id(request.user_id, "user_id")
        ended = await queries.record_channel_leave(
            self._ledger, request.channel_id, request.user_id
        )
        return pb.RecordChannelLeaveResponse(joins_ended=ended)

    async def GetGroupBoard(
        self, request: pb.GetGroupBoardRequest, context: Context
    ) -> pb.GetGroupBoardResponse:
        check_supergroup_id(request.group_id, "group_id")
        muted_limit = requests.limit(request.muted_limit, 10, MAX_RESTRICTIONS_PAGE)
        actions_limit = requests.limit(request.actions_limit, 50, 200)
        board = await queries.group_board(
            self._ledger, request.group_id, muted_limit, actions_limit
        )
        return pb.GetGroupBoardResponse(
            stats=replies.stats(board.stats),
            muted=pb.ListGroupRestrictionsResponse(
                restrictions=[replies.restriction(r) for r in board.muted],
                total=board.stats.currently_muted,
            ),
            actions=[replies.record(r) for r in board.actions],
        )
