"""A message let through while membership could not tell waits for its second look; a gateway
stopped, or killed, before that look hands it on. In polling and webhook mode, with SQLite and
the gateway's files, and with PostgreSQL and Redis.

Found by the compose harness's rolling restart: membership's replicas replaced, checks unknown,
a gateway replaced before its second looks, and their authors' messages stood for good."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.deployments import own_deployment
from tests.support.e2e import E2E, gateway_metric
from tests.support.waiting import eventually

# (mode, storage): the session's stack is polling on PostgreSQL and Redis; the others are this
# module's own, a bot each.
DEPLOYMENTS = [
    ("polling", "postgres+redis"),
    ("webhook", "postgres+redis"),
    ("polling", "sqlite"),
    ("webhook", "sqlite"),
]


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=["-".join(d) for d in DEPLOYMENTS])
async def deployment(
    request: pytest.FixtureRequest,
    e2e: E2E,
    postgres_server_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[E2E]:
    mode, storage = request.param
    if (mode, storage) == ("polling", "postgres+redis"):
        yield e2e
        return
    async with own_deployment(
        e2e,
        f"gmbot_looks_{mode}_{storage.split('+')[0]}_bot",
        tmp_path_factory,
        postgres_server_url,
        redis_url if storage == "postgres+redis" else None,
        webhook=mode == "webhook",
    ) as deployed:
        yield deployed


async def test_a_second_look_outlives_the_gateway_killed_after_letting_it_through(
    deployment: E2E,
) -> None:
    await _let_through_then(deployment, kill=True)


async def test_a_second_look_outlives_a_graceful_stop(e2e: E2E) -> None:
    """The stop's own path (looks cut short, the replica leaving) on the session's stack; in
    every deployment the kill above is the harder case."""
    await _let_through_then(e2e, kill=False)


async def _let_through_then(e2e: E2E, *, kill: bool) -> None:
    """Membership down, a non-follower's message let through as unknown; then the gateway is
    stopped or killed, and everything started again: the message still goes, its author muted."""
    scene = await e2e.scene(("carol", False))
    await e2e.stack.child("membership").stop()
    let_through = await _let_through(e2e)
    mark = await e2e.mark()
    said = await e2e.control.say(scene.group, scene.members["carol"], "while nobody can tell")

    async def judged() -> bool:
        return await _let_through(e2e) > let_through

    await eventually(judged, 20, what="the message let through as unknown")
    gateway = e2e.stack.child("gateway")
    if kill:
        gateway.kill()
        assert gateway.process is not None
        await gateway.process.wait()
    else:
        await gateway.stop()
    await e2e.stack.restart("membership")
    await e2e.stack.restart("gateway")

    await e2e.wait_for_call(mark, "deleteMessage", scene.group, message_id=said["message_id"])
    await e2e.wait_for_call(mark, "restrictChatMember", scene.group, user_id=scene.members["carol"])


async def _let_through(e2e: E2E) -> float:
    return await gateway_metric(e2e, "gmbot_gateway_decisions_total", outcome="unknown-allowed")
