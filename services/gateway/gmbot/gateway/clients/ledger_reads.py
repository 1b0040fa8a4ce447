"""What the owners read of enforcement's ledger: who GMBot holds, the latest actions, a group's
figures, and the dashboard's whole group in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gmbot.gateway.clients.backends import call
from gmbot.gateway.clients.group_stats import GroupStats, stats_from
from gmbot.gateway.clients.reasons import Reason
from gmbot.gateway.clients.wire import from_message
from gmbot.gateway.domain.actions import ActionRecord
from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub


@dataclass(frozen=True)
class Restriction:
    user_id: int
    display_name: str
    # None: a reason this gateway does not know yet.
    reason: Reason | None
    # Unix seconds.
    since: int


@dataclass(frozen=True)
class RestrictionsPage:
    restrictions: tuple[Restriction, ...]
    # How many GMBot restricts in the group, over every page.
    total: int


@dataclass(frozen=True)
class RestrictedGroups:
    """Where GMBot holds a user: restricted, or their join request waiting."""

    group_ids: tuple[int, ...]
    pending_join_request_group_ids: tuple[int, ...]


@dataclass(frozen=True)
class GroupBoard:
    """A group as the owners' dashboard shows it, read at once."""

    stats: GroupStats
    muted: RestrictionsPage
    actions: tuple[ActionRecord, ...]


def _reason(value: int) -> Reason | None:
    return Reason(value) if value in Reason._value2member_map_ else None


def _page(answer: pb.ListGroupRestrictionsResponse) -> RestrictionsPage:
    return RestrictionsPage(
        tuple(
            Restriction(r.user_id, r.display_name, _reason(r.reason), r.since.seconds)
            for r in answer.restrictions
        ),
        answer.total,
    )


class LedgerReads:
    def __init__(self, stub: EnforcementServiceAsyncStub) -> None:
        self._stub = stub

    async def restricted_groups(self, user_id: int) -> RestrictedGroups:
        request = pb.ListRestrictedGroupsRequest(user_id=user_id)
        answer = await call("enforcement", self._stub.ListRestrictedGroups(request))
        return RestrictedGroups(
            tuple(answer.group_ids), tuple(answer.pending_join_request_group_ids)
        )

    async def group_restrictions(
        self, group_id: int, offset: int = 0, limit: int = 0
    ) -> RestrictionsPage:
        """A page of who GMBot restricts in the group, and how many in all."""
        request = pb.ListGroupRestrictionsRequest(group_id=group_id, offset=offset, limit=limit)
        return _page(await call("enforcement", self._stub.ListGroupRestrictions(request)))

    async def recent_actions(self, group_id: int, limit: int) -> list[ActionRecord]:
        """The group's latest lines of the ledger, newest first."""
        request = pb.ListRecentActionsRequest(group_id=group_id, limit=limit)
        answer = await call("enforcement", self._stub.ListRecentActions(request))
        return [from_message(ActionRecord, action) for action in answer.actions]

    async def group_stats(self, group_id: int) -> GroupStats:
        request = pb.GetGroupStatsRequest(group_id=group_id)
        return stats_from(await call("enforcement", self._stub.GetGroupStats(request)))

    async def group_board(self, group_id: int, muted: int, actions: int) -> GroupBoard:
        """The group's figures, its first `muted` restrictions and its `actions` latest actions,
        in one call (one transaction in enforcement)."""
        request = pb.GetGroupBoardRequest(
            group_id=group_id, muted_limit=muted, actions_limit=actions
        )
        answer = await call("enforcement", self._stub.GetGroupBoard(request))
        return GroupBoard(
            stats_from(answer.stats),
            _page(answer.muted),
            tuple(from_message(ActionRecord, action) for action in answer.actions),
        )
