"""A webhook gateway's group messages: answered 2xx once durably kept, handled after.

Telegram delivers one chat's updates one at a time, the next only after a 2xx. Answering after
handling meant a raid in one group was handled one message after the other, each waiting for its
author's check: 1,500 messages took the checks' pace twice over. A member's message in a group
is judged on its own (deleting it, muting its author once, warning once do not depend on the
order of their messages), so it is kept in the spool (fsynced to a file, or in Redis), answered,
and handled with long polling's machinery (in_hand.Intake): each member's in order, the groups
in turn, retried when it fails for now. What is kept is handed back at the next start, or taken
over by another replica when this one never comes back (stores.replica_spools), and forgotten
once handled; de-duplication makes the one handled but not yet forgotten a no-op.

Everything else (private chats, commands, presses, joins, the bot's own status) is answered
after it is handled, as before: what an owner or a member does there depends on what they did
just before, and the next of the chat waits for it anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog
from aiogram import Bot
from aiogram.types import Message, Update

from gmbot.gateway.intake.in_hand import Handler, Intake
from gmbot.gateway.intake.polling import BOOKKEEPING_SECONDS
from gmbot.gateway.intake.spool import as_json, as_update
from gmbot.gateway.settings import GatewaySettings
from gmbot.gateway.stores.replica_spools import BEAT_SECONDS, Replicas, ReplicaSpool, replica_name
from gmbot.gateway.stores.spools import FileSpool, Spool
from gmbot.runtime.redis import RedisClient

log = structlog.get_logger("gmbot.gateway.accepting")

# How often what is handled is forgotten in the spool, when nothing else wakes the loop.
TIDY_SECONDS = 1.0


def judged_alone(update: Update) -> bool:
    """A message (new or edited) in a group that is not a command."""
    message = update.message or update.edited_message
    if message is None or message.chat.type not in ("group", "supergroup"):
        return False
    return not _is_command(message)


def _is_command(message: Message) -> bool:
    entities = message.entities or message.caption_entities or ()
    return any(e.type == "bot_command" and e.offset == 0 for e in entities)


@dataclass
class _Pending:
    update: Update
    kept: asyncio.Future[bool]


@dataclass
class Acceptance:
    bot: Bot
    intake: Intake
    spool: Spool
    replicas: Replicas | None = None
    beat_seconds: float = BEAT_SECONDS
    _pending: list[_Pending] = field(default_factory=list)
    _writer: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.Task[None] | None = None
    _resumed: bool = False

    @classmethod
    def over(
        cls,
        bot: Bot,
        pipeline: Handler,
        bound_seconds: float,
        spool: Spool,
        replicas: Replicas | None = None,
    ) -> Acceptance:
        """`bound_seconds`: how long one update may be in hand (in_hand.Intake)."""
        return cls(bot, Intake(pipeline, bound_seconds, window=False), spool, replicas)

    async def accept(self, update: Update) -> bool:
        """True once `update` is kept and in hand (answer 2xx); False when the spool cannot keep
        it now (then handle it before answering)."""
        pending = _Pending(update, asyncio.get_running_loop().create_future())
        self._pending.append(pending)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(pending.kept)

    async def _write(self) -> None:
        """Keeps what is pending, the deliveries that came while the last write ran in one go."""
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.spool.keep({p.update.update_id: as_json(p.update) for p in batch})
            except Exception as error:
                log.warning("not kept in the spool; handled before answering", error=str(error))
                for pending in batch:
                    pending.kept.set_result(False)
                continue
            self.intake.take([p.update for p in batch], kept=True)
            self._wake.set()
            for pending in batch:
                pending.kept.set_result(True)

    async def follow(self, update: Update, seconds: float) -> None:
        """Waits for the kept updates that `update`, handled before answering, comes after."""
        await self.intake.follow(update, seconds)

    async def start(self) -> None:
        """Before the first delivery is taken (a file spool is rewritten as it is read)."""
        await self._resume()
        self._loop = asyncio.create_task(self._run())

    async def _resume(self) -> None:
        """Takes back what this replica kept before it stopped (or was killed)."""
        try:
            kept = [as_update(raw, self.bot) for raw in await self.spool.load()]
        except Exception as error:
            log.warning("the spool cannot be read; asked again", error=str(error))
            return
        self._resumed = True
        if kept:
            log.info("updates kept before the last stop taken back", updates=len(kept))
        self.intake.take(kept, kept=True)

    async def _run(self) -> None:
        intake = self.intake
        next_beat = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            if not self._resumed:
                await self._resume()
            intake.take(intake.due())
            await self.intake.forget_finished(self.spool)
            if self.replicas is not None and loop.time() >= next_beat:
                next_beat = loop.time() + self.beat_seconds
                await self._beat(self.replicas)
            if intake.busy:
                await intake.next_event(self._stopping)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TIDY_SECONDS)

    async def _beat(self, replicas: Replicas) -> None:
        """Says this replica is alive, and takes over what replicas that died had kept."""
        try:
            await replicas.beat()
            taken = [as_update(raw, self.bot) for raw in await replicas.take_over()]
        except Exception as error:
            log.warning("the replicas' spools not looked at; again later", error=str(error))
            return
        if taken:
            log.info("updates of a replica that stopped taken over", updates=len(taken))
            self.intake.take(taken, kept=True)

    async def stop(self, grace_seconds: float) -> None:
        """Once no delivery comes any more: the updates in hand get the grace time; what is
        left stays kept for the next start (or another replica)."""
        if self._writer is not None:
            await asyncio.wait([self._writer])
        self._stopping.set()
        self._wake.set()
        if self._loop is not None:
            await self._loop
        await self.intake.drain(grace_seconds)
        await self.intake.forget_finished(self.spool)
        if self.replicas is not None:
            with contextlib.suppress(Exception):
                await self.replicas.leave()


def webhook_acceptance(
    settings: GatewaySettings, bot: Bot, pipeline: Handler, redis: RedisClient | None
) -> Acceptance:
    """In a file without Redis (one replica), otherwise in a spool per replica."""
    # The handlers' deadline, and a little for the claims and marks around them.
    bound = settings.update_deadline_seconds + BOOKKEEPING_SECONDS
    if redis is None:
        return Acceptance.over(bot, pipeline, bound, FileSpool(settings.webhook_spool_file))
    replica = replica_name(settings.http_port)
    spool = ReplicaSpool(redis, settings.redis_prefix, bot.id, replica, kind="webhook")
    return Acceptance.over(bot, pipeline, bound, spool, spool)
