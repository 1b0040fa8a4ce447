"""What the enforcement tests ask of the service, over its gRPC stub: an Enforce, an action's
state, the ledger's recent actions, a member muted and done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gmbot.v1 import enforcement_pb2 as pb
from tests.support.enforcement import Group, warning
from tests.support.enforcement import warning as default_warning
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def enforce(
    stub: Stub,
    world: Group,
    user: int,
    key: str,
    message_id: int = 0,
    *,
    action: pb.MemberAction.ValueType = pb.MEMBER_ACTION_MUTE,
    warning: pb.WarningSpec | None = None,
    with_warning: bool = True,
) -> pb.EnforceResponse:
    spec = warning if warning is not None else (default_warning() if with_warning else None)
    return await stub.Enforce(
        pb.EnforceRequest(
            idempotency_key=key,
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
            action=action,
            message_id=message_id,
            warning=spec,
        )
    )


async def state_of(stub: Stub, world: Group, action_id: str) -> int:
    recent = await stub.ListRecentActions(
        pb.ListRecentActionsRequest(group_id=world.group, limit=200)
    )
    return next(a.state for a in recent.actions if a.action_id == action_id)


async def done(stub: Stub, world: Group, action_id: str, seconds: float = 10.0) -> None:
    async def finished() -> bool:
        return await state_of(stub, world, action_id) != pb.ACTION_STATE_PENDING

    await eventually(finished, seconds)


async def recent_actions(stub: Stub, world: Group) -> list[pb.ActionRecord]:
    answer = await stub.ListRecentActions(
        pb.ListRecentActionsRequest(group_id=world.group, limit=200)
    )
    return list(answer.actions)


async def of_kind(stub: Stub, world: Group, kind: int, user: int) -> list[pb.ActionRecord]:
    return [a for a in await recent_actions(stub, world) if a.kind == kind and a.user_id == user]


async def muted(stub: Stub, world: Group, user: int, key: str, kick_after: int = 0) -> None:
    response = await stub.Enforce(
        pb.EnforceRequest(
            idempotency_key=key,
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
            action=pb.MEMBER_ACTION_MUTE,
            message_id=await world.said(user),
            warning=warning(user_display_name=f"Member {user}"),
            kick_after_minutes=kick_after,
        )
    )
    await done(stub, world, response.action_id)
