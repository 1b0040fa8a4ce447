"""Flow 6 over fake back ends: "I have joined"."""

from __future__ import annotations

import uuid

from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.verify import Answer, on_verify_pressed
from gmbot.gateway.stores.recent import SharedAnswers
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import VerifyButton, sign
from gmbot.runtime.redis import create_redis
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import SIGNING_KEY, Fakes
from tests.unit.gateway.world import GROUP, MALLORY, MEMBER, OWNER, everyone_is, protected


def _button(user_id: int = MEMBER) -> str:
    return sign(SIGNING_KEY, VerifyButton(GROUP, user_id))


async def test_a_member_who_joined_is_let_go_and_told_so() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))

    answer = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q1")

    assert answer == Answer(say("en", "verify_ok"), alert=False)
    [check] = fakes.membership.requests("CheckMembership")
    assert check.fresh  # the press skips every cache
    [release] = fakes.enforcement.requests("Release")
    assert release.idempotency_key == "verify:q1"
    assert (release.group_id, release.user_id) == (GROUP, MEMBER)
    assert release.reason == enforcement.ACTION_REASON_VERIFIED


async def test_a_press_repeated_at_once_is_answered_without_asking_again() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))

    first = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q1")
    again = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q2")

    assert first == again == Answer(say("en", "verify_missing", channels="News"), alert=True)
    assert fakes.calls == ["membership.CheckMembership"]  # nothing released, asked once


async def test_i_have_joined_repeat_guard_holds_across_replicas(redis_url: str) -> None:
    # The guard lived in each process: the same press on another replica asked Telegram again.
    prefix = f"test:{uuid.uuid4().hex}:"
    clients = [create_redis(redis_url), create_redis(redis_url)]
    replicas = [Fakes(parts={"recent_checks": SharedAnswers(5, r, prefix)}) for r in clients]
    for fakes in replicas:
        protected(fakes)
        fakes.membership.answer(
            "CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
        )
    one, other = replicas
    try:
        first = await on_verify_pressed(one.ctx, SIGNING_KEY, _button(), MALLORY, "q1")
        again = await on_verify_pressed(other.ctx, SIGNING_KEY, _button(), MALLORY, "q2")
    finally:
        await clients[0].delete(f"{prefix}{GROUP}:{MEMBER}")
        for redis in clients:
            await redis.aclose()

    assert first == again == Answer(say("en", "verify_missing", channels="News"), alert=True)
    assert one.calls == ["membership.CheckMembership"]
    assert other.calls == []


async def test_only_the_member_a_button_was_made_for_may_press_it() -> None:
    fakes = Fakes()
    protected(fakes)

    answer = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), Person(OWNER, "O"), "q1")

    assert answer == Answer(say("en", "verify_not_yours"), alert=True)
    assert fakes.calls == []


async def test_a_forged_button_is_not_answered() -> None:
    fakes = Fakes()
    protected(fakes)
    forged = sign(b"x" * 32, VerifyButton(GROUP, MEMBER))

    assert await on_verify_pressed(fakes.ctx, SIGNING_KEY, forged, MALLORY, "q1") is None
    assert fakes.calls == []
