"""Flow 8 over fake back ends: the bot's own rights change in a group."""

from __future__ import annotations

import grpc

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows.bot_status import BotStatus, Notice, on_bot_status_changed, welcome
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import GROUP, OWNER, people, policy, protected

ADMIN = BotStatus("administrator", frozenset({"can_delete_messages", "can_restrict_members"}))


async def test_a_bot_removed_from_a_protected_group_suspends_it_and_tells_the_owner() -> None:
    fakes = Fakes()
    protected(fakes)
    suspended = policy()
    suspended.suspended_reason = say("en", "reason_removed")
    fakes.tenancy.answer("SuspendGroup", tenancy.SuspendGroupResponse(policy=suspended))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))
    people(fakes)

    notices = await on_bot_status_changed(
        fakes.ctx, 500, GROUP, ADMIN, BotStatus("left", frozenset())
    )

    [suspend] = fakes.tenancy.requests("SuspendGroup")
    assert (suspend.group_id, suspend.reason) == (GROUP, say("en", "reason_removed"))
    [release] = fakes.enforcement.requests("ReleaseGroup")
    assert release.idempotency_key == "u500:suspended"
    assert release.reason == enforcement.ACTION_REASON_SUSPENDED
    assert [n.chat_id for n in notices] == [OWNER]
    assert "Chat" in notices[0].text
    assert await fakes.ctx.policies.get(GROUP) == policy_from(suspended)


async def test_a_bot_added_to_an_unprotected_group_only_says_hello() -> None:
    fakes = Fakes()
    fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND, "no such group"))

    notices = await on_bot_status_changed(
        fakes.ctx, 501, GROUP, BotStatus("left", frozenset()), ADMIN
    )

    assert notices == [Notice(GROUP, welcome("en", ADMIN, "guard_bot"))]
    assert fakes.calls == ["tenancy.GetGroupPolicy"]


async def test_rights_lost_alert_reaches_every_admin_who_opened_the_bot() -> None:
    fakes = Fakes()
    protected(fakes)
    suspended = policy()
    suspended.suspended_reason = say("en", "reason_removed")
    fakes.tenancy.answer("SuspendGroup", tenancy.SuspendGroupResponse(policy=suspended))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))
    opened, silent, never = 31, 32, 33
    people(fakes, opened, silent, never, opened={OWNER: True, opened: True, silent: False})

    notices = await on_bot_status_changed(
        fakes.ctx, 500, GROUP, ADMIN, BotStatus("left", frozenset())
    )

    assert sorted(n.chat_id for n in notices) == sorted([OWNER, opened])
    assert len({n.text for n in notices}) == 1
    [asked] = fakes.tenancy.requests("ListPeople")
    assert sorted(asked.user_ids) == sorted([OWNER, opened, silent, never])


async def test_an_owner_who_turned_alerts_off_is_not_told() -> None:
    fakes = Fakes()
    protected(fakes)
    suspended = policy()
    suspended.suspended_reason = say("en", "reason_removed")
    fakes.tenancy.answer("SuspendGroup", tenancy.SuspendGroupResponse(policy=suspended))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))
    people(fakes, opened={OWNER: False})

    notices = await on_bot_status_changed(
        fakes.ctx, 500, GROUP, ADMIN, BotStatus("left", frozenset())
    )

    assert notices == []
