"""The gateway's composition root: `build(settings)` makes the whole gateway (Bot API client,
back-end clients, caches, stores, the update pipeline, the HTTP apps); `started` takes updates
until it is left, then stops gracefully; `serve` is the process, through the lifecycle every
GMBot service shares (gmbot.runtime.lifecycle)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiohttp import web

from gmbot.gateway.clients.backends import Backends, connected
from gmbot.gateway.composition import make_flow_context, start_flow_context
from gmbot.gateway.endpoints import DeadLetterDesk, admin_app, webhook_app
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.intake.accepting import Acceptance, webhook_acceptance
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, UpdatePipeline
from gmbot.gateway.intake.polling import BOOKKEEPING_SECONDS, poll
from gmbot.gateway.intake.spool import poll_spool
from gmbot.gateway.intake.webhook import register_webhook, webhook_handler
from gmbot.gateway.miniapp.api import miniapp_app
from gmbot.gateway.settings import GatewaySettings
from gmbot.gateway.stores.spools import Spool
from gmbot.gateway.stores.waiting_looks import waiting_looks
from gmbot.gateway.telegram import profile
from gmbot.gateway.telegram.dashboard import publish_menu_button
from gmbot.gateway.telegram.dispatcher import allowed_updates, build_dispatcher
from gmbot.runtime import lifecycle
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import install, observe_calls, shared_budget
from gmbot.runtime.lifecycle import start_up
from gmbot.runtime.redis import RedisClient, open_redis
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.runtime.telegram import create_bot

log = structlog.get_logger("gmbot.gateway")


@dataclass(frozen=True)
class Gateway:
    """The gateway built: connected to its back ends and to Telegram, taking no updates yet."""

    settings: GatewaySettings
    bot: Bot
    bot_username: str
    pipeline: UpdatePipeline
    # Long polling's updates taken ahead of their handling (intake.spool).
    spool: Spool
    allowed_updates: list[str]
    # The operators' port (health, metrics, dead letters); the webhook's, in webhook mode.
    admin: web.Application
    webhook: web.Application | None
    # Set once updates are taken; readiness reports it beside the back ends' health.
    taking_updates: asyncio.Event
    # Closed, last opened first, once the gateway stopped: caches, clients, the Bot API session.
    resources: AsyncExitStack
    # The owners' Mini App, on MINIAPP_PORT, when MINIAPP_URL is set.
    miniapp: web.Application | None = None
    # The webhook's group messages answered once kept, handled after (intake.accepting).
    acceptance: Acceptance | None = None


async def _identify(bot: Bot) -> tuple[int, str]:
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        raise SystemExit("BOT_TOKEN was refused by the Bot API: check the token") from None
    return me.id, me.username or ""


async def build(settings: GatewaySettings) -> Gateway:
    async with start_up(AsyncExitStack()) as stack:
        redis = await _open_redis(settings, stack)
        bot = await _open_bot(settings, redis, stack)
        backends = await stack.enter_async_context(
            connected(
                settings, settings.tenancy_addr, settings.membership_addr, settings.enforcement_addr
            )
        )
        ledger = UpdateLedger(redis, settings.redis_prefix)
        stack.push_async_callback(ledger.stop)
        context = await _start_flows(settings, bot, backends, redis, ledger, stack)
        dispatcher = build_dispatcher(context, bot, context.signing_key)
        miniapp = None
        if settings.miniapp_url is not None:
            # The routers' web_app buttons (/start, /stats, /muted in private) open it.
            dispatcher["miniapp_url"] = str(settings.miniapp_url)
            miniapp = miniapp_app(
                context, settings.bot_token.get_secret_value(), settings.miniapp_max_age_seconds
            )
        pipeline, desk = _intake(settings, dispatcher, bot, ledger, redis)
        taking_updates = asyncio.Event()

        async def ready() -> dict[str, bool]:
            return {"telegram": taking_updates.is_set(), **await backends.serving()}

        webhook = acceptance = None
        if settings.webhook_url is not None and settings.webhook_secret is not None:
            acceptance = webhook_acceptance(settings, bot, pipeline, redis)
            secret = settings.webhook_secret.get_secret_value()
            webhook = webhook_handler(bot, pipeline, acceptance, secret)
        return Gateway(
            settings,
            bot,
            context.bot_username,
            pipeline,
            poll_spool(redis, settings.redis_prefix, bot.id, settings.poll_spool_file),
            allowed_updates(dispatcher),
            admin_app(ready, desk),
            None if webhook is None else webhook_app(webhook),
            taking_updates,
            # What was opened stays open for `started`; a failure above closed it already.
            stack,
            miniapp,
            acceptance,
        )


async def _open_redis(settings: GatewaySettings, stack: AsyncExitStack) -> RedisClient | None:
    if settings.redis_url is None:
        return None
    return await open_redis(settings.redis_url, stack, name="gmbot-gateway")


async def _open_bot(
    settings: GatewaySettings, redis: RedisClient | None, stack: AsyncExitStack
) -> Bot:
    bot = create_bot(settings)
    stack.push_async_callback(bot.session.close)
    # The gateway's own calls are replies to people: they go first.
    install(bot, shared_budget(settings, redis, settings, stack), Priority.URGENT)
    return bot


async def _start_flows(
    settings: GatewaySettings,
    bot: Bot,
    backends: Backends,
    redis: RedisClient | None,
    ledger: UpdateLedger,
    stack: AsyncExitStack,
) -> FlowContext:
    """The flows' context, its caches and batchers running (stopped when `stack` closes)."""
    bot_id, bot_username = await _identify(bot)
    context = make_flow_context(
        backends=backends,
        bot_id=bot_id,
        bot_username=bot_username,
        signing_key=settings.callback_signing_key.get_secret_value().encode(),
        ledger=ledger,
        redis=redis,
        redis_prefix=settings.redis_prefix,
        policy_cache_seconds=settings.policy_cache_seconds,
        check_wait_seconds=settings.check_wait_seconds,
        verify_repeat_seconds=settings.verify_repeat_seconds,
        panel_ttl_seconds=settings.panel_ttl_seconds,
        waiting_looks=waiting_looks(
            redis, settings.redis_prefix, bot_id, settings.second_look_file, settings.http_port
        ),
    )
    await start_flow_context(context, backends, stack)
    # The gateway's own Bot API calls in a group count toward the group's /stats.
    observe_calls(bot, context.activity.call_seen)
    return context


def _intake(
    settings: GatewaySettings,
    dispatcher: Dispatcher,
    bot: Bot,
    ledger: UpdateLedger,
    redis: RedisClient | None,
) -> tuple[UpdatePipeline, DeadLetterDesk]:
    """The update pipeline and the operators' dead-letter desk."""
    dead_letters = DeadLetters(
        redis,
        settings.redis_prefix,
        settings.dead_letter_file,
        settings.dead_letter_retention_seconds,
    )
    dead_letters.check_writable()
    patience = Patience(settings.update_deadline_seconds, settings.update_redelivery_seconds)
    pipeline = UpdatePipeline(dispatcher, bot, ledger, dead_letters, patience)
    desk = DeadLetterDesk(dead_letters, pipeline, bot, settings.known_callers(settings.auth_token))
    return pipeline, desk


@asynccontextmanager
async def started(gateway: Gateway, stop: asyncio.Event | None = None) -> AsyncIterator[Gateway]:
    """Serves HTTP and takes updates until left; then stops taking them, gives those in hand the
    grace time, and closes everything. Long polling that fails sets `stop`: the process ends,
    with the poller's error."""
    settings = gateway.settings
    async with gateway.resources as resources:
        grace = settings.shutdown_grace_seconds
        await _serve_http(resources, gateway.admin, settings.admin_host, settings.admin_port, grace)
        if gateway.acceptance is not None:
            # Closed after the webhook's server: the deliveries in flight are kept first.
            await gateway.acceptance.start()
            resources.push_async_callback(gateway.acceptance.stop, grace)
        if gateway.webhook is not None:
            await _serve_http(
                resources, gateway.webhook, settings.http_host, settings.http_port, grace
            )
        # The menus and descriptions wait behind replies and punishments, without delaying start.
        publishing = asyncio.create_task(profile.publish_later(gateway.bot))
        resources.push_async_callback(cancel_and_wait, publishing)
        if gateway.miniapp is not None and settings.miniapp_url is not None:
            await _serve_http(
                resources, gateway.miniapp, settings.miniapp_host, settings.miniapp_port, grace
            )
            menu = asyncio.create_task(publish_menu_button(gateway.bot, str(settings.miniapp_url)))
            resources.push_async_callback(cancel_and_wait, menu)
        async with _taking_updates(gateway, stop):
            yield gateway


async def _serve_http(
    resources: AsyncExitStack, app: web.Application, host: str, port: int, grace: float
) -> None:
    """Serves `app` until `resources` close; the calls in flight then get `grace` seconds."""
    # No access log: every refused or failed call is logged by its handler, and a line per
    # delivery cost a fifth of the gateway's CPU at 1,000 updates/s (bench.decision_latency).
    runner = web.AppRunner(app, shutdown_timeout=grace, access_log=None)
    await runner.setup()
    resources.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, host, port).start()


@asynccontextmanager
async def _taking_updates(gateway: Gateway, stop: asyncio.Event | None) -> AsyncIterator[None]:
    """By webhook when one is configured (on the way out, the HTTP server's shutdown lets the
    calls in flight finish; Telegram delivers again what was not answered), otherwise by long
    polling (the updates in hand get the grace time, and what is done is confirmed)."""
    settings, bot, allowed = gateway.settings, gateway.bot, gateway.allowed_updates
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value()
        url, connections = str(settings.webhook_url), settings.webhook_max_connections
        await register_webhook(bot, url, secret, connections, allowed)
        gateway.taking_updates.set()
        log.info("webhook registered", bot=gateway.bot_username, allowed_updates=allowed)
        try:
            yield
        finally:
            # Not ready first: the webhook's server (closed after this) still takes deliveries
            # while load balancers move the next ones to other replicas.
            _not_ready(gateway)
        return
    await bot.delete_webhook(drop_pending_updates=False)
    gateway.taking_updates.set()
    log.info("polling", bot=gateway.bot_username, allowed_updates=allowed)
    halt = asyncio.Event()
    poller = asyncio.create_task(
        poll(
            bot,
            gateway.pipeline,
            gateway.spool,
            allowed,
            halt,
            settings.shutdown_grace_seconds,
            # The handlers' deadline, and a little for the claims and marks around them.
            settings.update_deadline_seconds + BOOKKEEPING_SECONDS,
        )
    )
    if stop is not None:
        poller.add_done_callback(lambda _: stop.set())
    try:
        yield
    finally:
        _not_ready(gateway)
        halt.set()
        await poller


def _not_ready(gateway: Gateway) -> None:
    """Readiness (/readyz) says 503 from now on: the gateway is about to stop taking updates."""
    gateway.taking_updates.clear()
    log.info("stopping: not ready")


async def serve(settings: GatewaySettings) -> None:
    """The gateway process: built, then taking updates until SIGTERM or SIGINT."""
    # aiogram logs every handled update at INFO; the pipeline's own line (with the request id)
    # says the same at DEBUG, so a busy group does not cost two log lines a message.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, logging.getLogger().level))
    stop = asyncio.Event()
    gateway = await build(settings)
    await lifecycle.serve(started(gateway, stop), settings.shutdown_grace_seconds, stop)
