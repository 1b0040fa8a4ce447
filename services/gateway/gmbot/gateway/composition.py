"""The flows' context, made in one place: the gateway (app.build) and the tests (with fake back
ends, no Redis) get the same parts wired the same way, and differ only in what they pass. The
gateway then starts the parts that run on their own."""

from __future__ import annotations

import dataclasses
from contextlib import AsyncExitStack
from typing import Any

from gmbot.gateway.clients.activity import ActivityCounter
from gmbot.gateway.clients.backends import Backends
from gmbot.gateway.clients.facades import Clients
from gmbot.gateway.clients.near_cache import NearCache
from gmbot.gateway.clients.policies import PolicyCache
from gmbot.gateway.clients.presence import PresenceBatcher
from gmbot.gateway.flows.claims import Claims
from gmbot.gateway.flows.context import (
    FlowContext,
    GroupMessage,
    message_from_record,
    message_record,
)
from gmbot.gateway.flows.messages import look_again
from gmbot.gateway.flows.second_look import Keeping, SecondLook
from gmbot.gateway.stores.drafts import DRAFT_SECONDS as PANEL_DRAFT_SECONDS
from gmbot.gateway.stores.drafts import SetupDrafts
from gmbot.gateway.stores.invite_links import InviteLinks
from gmbot.gateway.stores.pace import GroupPace
from gmbot.gateway.stores.recent import MEMBER_ANSWER_SECONDS, SharedAnswers
from gmbot.gateway.stores.seen_people import SeenPeople
from gmbot.gateway.stores.waiting_looks import WaitingLooks
from gmbot.runtime.redis import RedisClient

UNDO_PRESS_SECONDS = 24 * 3600.0


def make_flow_context(
    *,
    backends: Backends,
    bot_id: int,
    bot_username: str,
    signing_key: bytes,
    ledger: Claims,
    redis: RedisClient | None = None,
    redis_prefix: str = "gmbot:gateway:",
    policy_cache_seconds: float = 30.0,
    check_wait_seconds: float = 10.0,
    verify_repeat_seconds: float = 5.0,
    panel_ttl_seconds: int = 600,
    waiting_looks: WaitingLooks | None = None,
    **overrides: Any,
) -> FlowContext:
    """Every part over `backends` (and `redis`, shared by the replicas, when given); `ledger` is
    intake's update ledger; `waiting_looks` keeps the second looks beyond the process (the
    gateway's; the tests' flows keep them in memory). `overrides` replace parts by their
    FlowContext field name. Nothing is started here (app.build starts what runs)."""
    keeping = None
    if waiting_looks is not None:
        keeping = Keeping(waiting_looks, lambda m: m.update_id, message_record, message_from_record)
    second_look: SecondLook[GroupMessage] = SecondLook(lambda m: m.sender.user_id, keeping=keeping)
    near = NearCache()
    # An answer that arrives is what the messages let through before it were waiting for.
    near.on_answer(second_look.hurry)
    context = FlowContext(
        clients=Clients.over(backends),
        policies=PolicyCache(backends.tenancy, policy_cache_seconds, redis, redis_prefix),
        ledger=ledger,
        bot_id=bot_id,
        bot_username=bot_username,
        near=near,
        presence=PresenceBatcher(backends.membership),
        second_look=second_look,
        check_wait_seconds=check_wait_seconds,
        activity=ActivityCounter(backends.enforcement),
        signing_key=signing_key,
        # Repeat guards every replica shares.
        recent_checks=SharedAnswers(verify_repeat_seconds, redis, f"{redis_prefix}verified:"),
        member_answers=SharedAnswers(
            MEMBER_ANSWER_SECONDS, redis, f"{redis_prefix}member-answered:"
        ),
        drafts=SetupDrafts(redis, redis_prefix),
        pace=GroupPace(),
        seen_people=SeenPeople(redis, redis_prefix),
        panel_drafts=SharedAnswers(PANEL_DRAFT_SECONDS, redis, f"{redis_prefix}panel-draft:"),
        invite_links=InviteLinks(redis, redis_prefix),
        # As long as an update may be delivered again.
        undo_presses=SharedAnswers(UNDO_PRESS_SECONDS, redis, f"{redis_prefix}undo-press:"),
        panel_ttl_seconds=panel_ttl_seconds,
    )
    return dataclasses.replace(context, **overrides)


async def start_flow_context(
    context: FlowContext, backends: Backends, stack: AsyncExitStack
) -> None:
    """Starts the parts that run on their own (caches, batchers, second looks); `stack` stops
    them, last started first."""
    await context.policies.start()
    stack.push_async_callback(context.policies.stop)
    await context.near.start(backends.membership)
    stack.push_async_callback(context.near.stop)
    await context.presence.start()
    stack.push_async_callback(context.presence.stop)
    await context.activity.start()
    stack.push_async_callback(context.activity.stop)
    await context.second_look.start(lambda message: look_again(context, message))
    stack.push_async_callback(context.second_look.stop)
