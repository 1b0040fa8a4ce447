"""Log chats: GMBot's actions reported where a group asked for them (its `log_chat_id`).

Each message of a log chat is an action of the ledger (LogMessage, its group_id the chat), so a
line reported is durable at once: a restart loses none, and the message is sent once, by
whichever replica's worker claims it. Lines are coalesced per log chat: a reported line joins
the chat's message still waiting and moves it `window` on (a raid's lines keep coming: they wait
for one another, up to MAX_LINES or _MAX_HOLD windows), and a line that comes once the message
is on its way starts the next. The message goes at the budget's lowest priority, behind every
check, mute and warning, and without holding a worker's slot while it waits for its turn. A raid
of a hundred is a handful of messages, and never lengthens the raid.

The message and its lines stay in the ledger once sent (its message id recorded), so that an
Undo can rewrite its line: struck through, and who undid it (mark_undone).

A log chat that refuses GMBot's messages for good (the bot was removed from it, or may no longer
post there) gets nothing more from this replica for REFUSED_SECONDS: its messages are dropped,
never retried. The gateway hears the same from Telegram (my_chat_member), clears the setting
and tells the groups' administrators once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum

import structlog

from gmbot.enforcement.domain.actions import (
    Action,
    Later,
    LogMessage,
    NewAction,
    Permanent,
    State,
    WarningSpec,
)
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.log_lines import LogEvent, LogLine
from gmbot.enforcement.domain.log_texts import MAX_LINES, log_message
from gmbot.enforcement.domain.ports import Ledger, Stores, TelegramActions
from gmbot.enforcement.domain.slots import Slot

log = structlog.get_logger("gmbot.enforcement.domain.action_log")

REFUSED_SECONDS = 3600.0
_MAX_REFUSED_KEPT = 10_000
# The longest the first line of a message waits for more, in windows.
_MAX_HOLD = 6
# A message due at once still waits this long: the sweeper, not the queue, hands it out.
_LEAST_WAIT = 0.1


class Marked(StrEnum):
    """What an Undo's press found in the ledger."""

    MARKED = "marked"
    # Its line says so already (pressed twice, or by two administrators at once).
    ALREADY = "already"
    # No such line: a message from before the ledger kept them, or pruned since.
    UNKNOWN = "unknown"


def line_of(action: Action, event: LogEvent, spec: WarningSpec) -> LogLine:
    """The line that reports `event` on the action's member, as the group's warning `spec`
    describes the group, the member and the channels they lack."""
    return LogLine(
        action.group_id,
        spec.group_title,
        spec.language,
        action.user_id,
        spec.user_display_name,
        event,
        tuple(button.text for button in spec.join_buttons),
    )


class ActionLog:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        signing_key: bytes,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._key = signing_key
        self._window = max(window, _LEAST_WAIT)
        self._clock = clock
        # Until when (on `clock`) a chat that refused GMBot gets nothing.
        self._refused: dict[int, float] = {}

    async def report(self, chat_id: int, line: LogLine) -> bool:
        """`line` goes to `chat_id` with its next message; False when it is dropped (the chat
        refused GMBot lately)."""
        if self._refused.get(chat_id, 0.0) > self._clock():
            return False
        await self._ledger.step(lambda stores: self._add(stores, chat_id, line))
        return True

    async def _add(self, stores: Stores, chat_id: int, line: LogLine) -> None:
        moment = now()
        waiting = await stores.log.waiting(chat_id)
        if waiting is not None and isinstance(waiting.payload, LogMessage):
            lines = waiting.payload.lines
            if len(lines) < MAX_LINES and waiting.created_at is not None:
                held = waiting.created_at + timedelta(seconds=self._window * _MAX_HOLD)
                due = min(moment + timedelta(seconds=self._window), held)
                await stores.log.rewrite(waiting.action_id, LogMessage((*lines, line)), due)
                return
        await self._start(stores, chat_id, (line,))

    async def _start(self, stores: Stores, chat_id: int, lines: tuple[LogLine, ...]) -> None:
        key = f"log:{chat_id}:{uuid.uuid4()}"
        await schedule(
            stores, NewAction(key, chat_id, 0, "log", LogMessage(lines), delay=self._window)
        )

    async def send(self, action: Action, message: LogMessage, slot: Slot) -> State:
        """The handler of a LogMessage: as many of its lines as fit in one message are sent,
        the rest start the next message."""
        chat_id = action.group_id
        if action.warning_message_id is not None:
            return State.DONE  # sent before its worker died
        if self._refused.get(chat_id, 0.0) > self._clock() or not message.lines:
            return State.SKIPPED
        text, keyboard, taken = log_message(message.lines, self._key)
        if taken < len(message.lines):
            await self._ledger.step(lambda stores: self._split(stores, action, message, taken))
        slot.release()  # a log waits behind everything else: not in a worker's slot
        try:
            message_id = await self._telegram.send_idle(chat_id, text, keyboard)
        except Permanent as refused:
            self._refuse(chat_id, refused, taken)
            return State.SKIPPED
        finally:
            await slot.retake()
        await self._ledger.step(
            lambda stores: stores.actions.set_warning(action.action_id, message_id)
        )
        return State.DONE

    async def _split(self, stores: Stores, action: Action, message: LogMessage, taken: int) -> None:
        await stores.log.rewrite(action.action_id, LogMessage(message.lines[:taken]))
        await self._start(stores, action.group_id, message.lines[taken:])

    def _refuse(self, chat_id: int, refused: Permanent, dropped: int) -> None:
        log.warning(
            "the log chat refuses GMBot's messages: its lines are dropped",
            chat_id=chat_id,
            kind=refused.kind.value,
            dropped=dropped,
        )
        moment = self._clock()
        if len(self._refused) >= _MAX_REFUSED_KEPT:
            self._refused = {chat: until for chat, until in self._refused.items() if until > moment}
        self._refused[chat_id] = moment + REFUSED_SECONDS

    async def mark_undone(
        self, chat_id: int, message_id: int, group_id: int, user_id: int, by: str
    ) -> Marked:
        """The member's line in the message reads as undone by `by` (empty: an anonymous
        administrator); the message is drawn again, its other lines and buttons as they were."""

        async def mark(stores: Stores) -> tuple[Marked, LogMessage | None]:
            found = await stores.log.sent(chat_id, message_id)
            if found is None or not isinstance(found.payload, LogMessage):
                return Marked.UNKNOWN, None
            lines = found.payload.lines
            member = (group_id, user_id)
            ours = [i for i, x in enumerate(lines) if (x.group_id, x.user_id) == member]
            todo = [i for i in ours if not lines[i].undone]
            if not todo:
                return (Marked.ALREADY if ours else Marked.UNKNOWN), None
            undone = replace(lines[todo[0]], undone=True, undone_by=by)
            message = LogMessage((*lines[: todo[0]], undone, *lines[todo[0] + 1 :]))
            await stores.log.rewrite(found.action_id, message)
            return Marked.MARKED, message

        marked, message = await self._ledger.step(mark)
        if message is not None:
            text, keyboard, _ = log_message(message.lines, self._key)
            try:
                await self._telegram.edit(chat_id, message_id, text, keyboard)
            except (Permanent, Later) as failed:  # the undo stands; only its line is not redrawn
                log.warning("a log line was not redrawn", chat_id=chat_id, error=str(failed))
        return marked
