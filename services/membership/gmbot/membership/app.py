"""Membership's composition root: settings in, a runnable service out."""

from __future__ import annotations

from gmbot.membership.domain.checker import MembershipChecker
from gmbot.membership.domain.ports import Store
from gmbot.membership.domain.presence import Presence
from gmbot.membership.domain.ttls import Ttls
from gmbot.membership.inbound.servicer import MembershipServicer
from gmbot.membership.outbound.changes import ChangeFeed
from gmbot.membership.outbound.telegram import TelegramReader
from gmbot.membership.settings import MembershipSettings
from gmbot.membership.storage.local_store import LocalStore
from gmbot.membership.storage.redis_store import RedisStore
from gmbot.membership.storage.resilient import ResilientStore
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import install, shared_budget
from gmbot.runtime.lifecycle import start_up
from gmbot.runtime.redis import open_redis
from gmbot.runtime.server import Service
from gmbot.runtime.telegram import create_bot
from gmbot.v1 import membership_pb2, membership_pb2_grpc

SERVICE_NAME = membership_pb2.DESCRIPTOR.services_by_name["MembershipService"].full_name


async def build(settings: MembershipSettings) -> Service:
    service = Service(name="membership", registrations=[], service_names=[SERVICE_NAME])
    async with start_up(service.resources) as resources:
        bot = create_bot(settings)
        resources.push_async_callback(bot.session.close)
        store: Store = LocalStore()
        redis = None
        if settings.redis_url is not None:
            redis = await open_redis(
                settings.redis_url,
                resources,
                name="gmbot-membership",
                wait_seconds=settings.redis_wait_seconds,
            )
            store = ResilientStore(RedisStore(redis, settings.redis_prefix), LocalStore())
        lease = settings.as_client()
        install(bot, shared_budget(settings, redis, lease, resources), Priority.CHECK)
        changes = ChangeFeed(redis, settings.redis_prefix)
        await changes.start()
        resources.push_async_callback(changes.stop)
        service.on_stopping.append(changes.end_streams)
        ttls = Ttls(
            member=settings.member_ttl_seconds,
            not_member=settings.not_member_ttl_seconds,
            admins=settings.admins_ttl_seconds,
            presence=settings.presence_days * 86400,
        )
        checker = MembershipChecker(
            store,
            TelegramReader(bot, settings.telegram_concurrency),
            ttls,
            settings.batch_default_calls,
            changes,
        )
        servicer = MembershipServicer(checker, Presence(store, ttls.presence), changes)
        service.registrations = [
            lambda server: membership_pb2_grpc.add_MembershipServiceServicer_to_server(
                servicer, server
            )
        ]
        return service
