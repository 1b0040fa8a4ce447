"""The operator's `gmbot` command against the running stack."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time

from gmbot.v1 import enforcement_pb2, enforcement_pb2_grpc
from tests.support.e2e import E2E
from tests.support.services import channel_to


async def gmbot(e2e: E2E, *args: str, **env: str) -> tuple[int, str]:
    stack = e2e.stack
    environment = {
        **os.environ,
        "AUTH_TOKEN": stack.auth_token,
        "TENANCY_ADDR": stack.addresses["tenancy"],
        "MEMBERSHIP_ADDR": stack.addresses["membership"],
        "ENFORCEMENT_ADDR": stack.addresses["enforcement"],
        "BOT_TOKEN": stack.config.bot_token,
        "TELEGRAM_API_URL": stack.config.telegram_api_url,
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gmbot.cli",
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_doctor_reports_rights_everywhere_and_what_to_fix(e2e: E2E) -> None:
    scene = await e2e.scene()
    _, report = await gmbot(e2e, "doctor")
    await e2e.control.set_member(scene.channel, e2e.bot_id, "member", actor_id=scene.owner)

    code, broken = await gmbot(e2e, "doctor")

    assert "token belongs to @gmbot_e2e_bot" in report
    assert "group 'Group" in report
    assert code == 1
    assert "FIX" in broken
    assert f"channel @{scene.channel_username}: Bad Request: member list is inaccessible" in broken
    assert "add the bot as an administrator" in broken


async def test_check_membership_over_grpc(e2e: E2E) -> None:
    scene = await e2e.scene(("alice", True), ("carol", False))

    member_code, member = await gmbot(
        e2e, "check-membership", str(scene.members["alice"]), str(scene.channel)
    )
    other_code, other = await gmbot(
        e2e, "check-membership", "--fresh", str(scene.members["carol"]), str(scene.channel)
    )

    assert member_code == 0
    assert "MEMBER" in member
    assert other_code == 1
    assert "NOT_MEMBER" in other
    assert "TELEGRAM" in other


async def test_actions_lists_a_groups_ledger(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "hi")
    await e2e.wait_for_call(mark, "sendMessage", scene.group)
    await e2e.settle()

    code, listing = await gmbot(e2e, "actions", str(scene.group))

    assert code == 0
    assert "enforce" in listing
    assert "done" in listing
    assert str(scene.members["carol"]) in listing


async def test_migrate_brings_both_schemas_to_head(e2e: E2E) -> None:
    tenancy_env = e2e.stack.child("tenancy").env
    enforcement_env = e2e.stack.child("enforcement").env

    tenancy_code, _ = await gmbot(
        e2e, "migrate", "tenancy", DATABASE_URL=tenancy_env["DATABASE_URL"]
    )
    enforcement_code, output = await gmbot(
        e2e,
        "migrate",
        "enforcement",
        DATABASE_URL=enforcement_env["DATABASE_URL"],
        CALLBACK_SIGNING_KEY=enforcement_env["CALLBACK_SIGNING_KEY"],
    )

    assert (tenancy_code, enforcement_code) == (0, 0)
    assert "migrating enforcement" in output


async def test_groups_and_group_show_the_policy_and_the_ledger(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    mark = await e2e.mark()
    await e2e.control.say(scene.group, scene.members["carol"], "hi")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group)
    await e2e.settle()

    groups_code, groups = await gmbot(e2e, "groups")
    group_code, group = await gmbot(e2e, "group", str(scene.group))

    assert (groups_code, group_code) == (0, 0)
    assert f"{scene.group}  protected" in groups
    assert f"@{scene.channel_username}" in groups
    assert "missing a channel: mute" in group
    assert re.search(r"enforce +(done|pending) +1", group)
    assert "restricted now: 1" in group


async def test_restrictions_are_listed_and_lifted(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False))
    carol = scene.members["carol"]
    mark = await e2e.mark()
    await e2e.control.say(scene.group, carol, "hi")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group)
    await e2e.settle()

    _, by_user = await gmbot(e2e, "restrictions", str(carol))
    _, by_group = await gmbot(e2e, "restrictions", "--group", str(scene.group))
    lift_code, lifted = await gmbot(e2e, "lift", str(carol))

    async def unmuted() -> bool:
        return bool((await e2e.control.member(scene.group, carol))["status"] == "member")

    await e2e.wait_for(unmuted)
    _, after = await gmbot(e2e, "restrictions", str(carol))
    assert f"{scene.group}  restricted by GMBot" in by_user
    assert f"{carol}  restricted by GMBot in {scene.group}" in by_group
    assert lift_code == 0
    assert f"{scene.group}  lifting: action" in lifted
    assert f"GMBot restricts user {carol} nowhere" in after


async def test_failures_are_one_readable_line(e2e: E2E) -> None:
    down_code, down = await gmbot(e2e, "groups", TENANCY_ADDR="127.0.0.1:9")
    wrong_code, wrong = await gmbot(e2e, "groups", AUTH_TOKEN="not-the-token-0123456789")
    bad_code, bad = await gmbot(e2e, "groups", AUTH_TOKEN="short")

    assert down_code == 1
    assert down.startswith("gmbot: tenancy at 127.0.0.1:9: UNAVAILABLE")
    assert wrong_code == 1
    assert "UNAUTHENTICATED" in wrong
    assert bad_code == 2
    assert bad.startswith("gmbot: bad configuration: AUTH_TOKEN")
    for output in (down, wrong, bad):
        assert len(output.strip().splitlines()) == 1, output
        assert "Traceback" not in output


async def test_help_names_every_variable_it_reads(e2e: E2E) -> None:
    code, text = await gmbot(e2e, "--help")

    assert code == 0
    for name in ("AUTH_TOKEN", "CALLER_TOKEN", "TENANCY_ADDR", "MEMBERSHIP_ADDR", "GMBOT_CONFIG"):
        assert name in text


async def test_dead_letters_are_listed_and_replayed_through_the_gateway(e2e: E2E) -> None:
    gateway = {"GATEWAY_URL": e2e.stack.gateway_url}

    listed, letters = await gmbot(e2e, "dead-letters", **gateway)
    unknown, replay = await gmbot(e2e, "dead-letters", "--replay", "nope", **gateway)
    refused, wrong = await gmbot(e2e, "dead-letters", AUTH_TOKEN="x" * 32, **gateway)

    assert (listed, letters.strip()) == (0, "no dead letters")
    assert unknown == 1
    assert "not replayed (404)" in replay
    assert refused == 1
    assert "401" in wrong


async def _ledger_restricts(e2e: E2E, user: int) -> list[int]:
    port = int(e2e.stack.addresses["enforcement"].rsplit(":", 1)[1])
    async with channel_to(port, e2e.stack.auth_token) as channel:
        answer = await enforcement_pb2_grpc.EnforcementServiceStub(channel).ListRestrictedGroups(
            enforcement_pb2.ListRestrictedGroupsRequest(user_id=user)
        )
    return list(answer.group_ids)


def _findings(output: str) -> dict[int, str]:
    return {m["user_id"]: m["finding"] for m in json.loads(output)["members"]}


async def test_reconcile_finds_and_lifts_what_the_records_no_longer_explain(e2e: E2E) -> None:
    scene = await e2e.scene(("carol", False), ("erin", False), ("dave", True), ("frank", True))
    carol, erin, dave, frank = (scene.members[n] for n in ("carol", "erin", "dave", "frank"))
    mark = await e2e.mark()
    for user in (carol, erin, dave, frank):
        await e2e.control.say(scene.group, user, "hi")
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=str(erin))
    await e2e.settle(1.5)
    # What a restore leaves: dave wears GMBot's mute the ledger lost; erin's mute, which the
    # ledger holds, was lifted meanwhile. Telegram told GMBot neither. Frank is another admin's.
    until = int(time.time()) + 3600
    await e2e.control.set_member(
        scene.group, dave, "restricted", until_date=until, permissions={}, undelivered=True
    )
    await e2e.control.set_member(scene.group, erin, "member", undelivered=True)
    await e2e.control.moderate(scene.group, frank, scene.owner, "restrict")
    await e2e.settle()

    budget = {
        "REDIS_URL": str(e2e.stack.config.redis_url),
        "BUDGET_REDIS_PREFIX": f"{e2e.prefix}budget:",
    }
    code, listing = await gmbot(e2e, "reconcile", str(scene.group), **budget)
    _, before = await gmbot(e2e, "reconcile", str(scene.group), "--json", **budget)
    lift_code, _ = await gmbot(e2e, "reconcile", str(scene.group), "--lift", **budget)

    async def lifted() -> bool:
        member = await e2e.control.member(scene.group, dave)
        return member["status"] == "member" and not await _ledger_restricts(e2e, erin)

    await e2e.wait_for(lifted)
    after_code, after = await gmbot(e2e, "reconcile", str(scene.group), "--json", **budget)
    assert (code, lift_code, after_code) == (1, 0, 0)
    assert re.search(rf"{dave} +restricted .* stranded", listing)
    assert _findings(before) == {
        carol: "consistent",
        erin: "unapplied",
        dave: "stranded",
        frank: "others",
    }
    assert _findings(after) == {
        carol: "consistent",
        erin: "consistent",
        dave: "consistent",
        frank: "others",
    }
    assert (await e2e.control.member(scene.group, frank))["status"] == "restricted"
    assert (await e2e.control.member(scene.group, carol))["status"] == "restricted"
