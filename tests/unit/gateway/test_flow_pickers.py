"""/protect in private over fake back ends: "Protect" and "Start by observing" at its end."""

from __future__ import annotations

import pytest

from gmbot.gateway.flows import pickers
from gmbot.gateway.stores.drafts import Draft, SetupDrafts
from gmbot.gateway.texts import say
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes
from tests.unit.gateway.test_flow_commands import NEWS, Lookup
from tests.unit.gateway.world import CHANNEL, GROUP, OLGA, admins, links_made, policy


@pytest.mark.parametrize("observe", [False, True])
async def test_the_end_of_the_set_up_protects_and_observes_only_when_asked(observe: bool) -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    links_made(fakes)
    fakes.tenancy.answer(
        "ProtectGroup", tenancy.ProtectGroupResponse(policy=policy(), changed=True)
    )
    fakes.tenancy.answer(
        "UpdateGroupSettings", tenancy.UpdateGroupSettingsResponse(policy=policy())
    )
    drafts = SetupDrafts()
    await drafts.put(OLGA.user_id, Draft(GROUP, "Chat", "supergroup", [CHANNEL]))

    step = await pickers.finish(
        fakes.ctx, drafts, Lookup((str(CHANNEL), NEWS)), 1, OLGA, "en", observe=observe
    )

    assert fakes.tenancy.requests("ProtectGroup")
    changed = fakes.tenancy.requests("UpdateGroupSettings")
    if observe:
        [request] = changed
        assert (request.group_id, request.settings.mode) == (GROUP, tenancy.GROUP_MODE_OBSERVE)
        assert list(request.update_mask.paths) == ["mode"]
    else:
        assert changed == []
    assert (say("en", "protected_observing") in step.text) is observe
    assert await drafts.get(OLGA.user_id) is None
