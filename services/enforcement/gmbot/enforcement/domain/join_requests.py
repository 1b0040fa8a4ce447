"""Join requests: approved, declined, or left waiting while the requester is told in private
which channels to join (declined after a day if still waiting, as Telegram would drop it)."""

from __future__ import annotations

import contextlib

from gmbot.enforcement.domain.action_log import ActionLog, line_of
from gmbot.enforcement.domain.actions import (
    Action,
    DecideJoinRequest,
    JoinDecision,
    NewAction,
    Permanent,
    State,
    WarningSpec,
)
from gmbot.enforcement.domain.follow_ups import schedule
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.log_lines import LogEvent
from gmbot.enforcement.domain.ports import Ledger, Stores, TelegramActions
from gmbot.enforcement.domain.texts import request_notice
from gmbot.runtime.error_kinds import ErrorKind

# Telegram drops a join request after a day.
JOIN_REQUEST_SECONDS = 24 * 3600


class JoinRequests:
    def __init__(
        self,
        telegram: TelegramActions,
        ledger: Ledger,
        signing_key: bytes,
        links: InviteLinks,
        action_log: ActionLog,
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._key = signing_key
        self._links = links
        self._log = action_log

    async def decide(self, action: Action, payload: DecideJoinRequest) -> State:
        try:
            if payload.decision is JoinDecision.APPROVE:
                await self._telegram.approve(action.group_id, action.user_id)
            elif payload.decision is JoinDecision.DECLINE:
                if payload.only_if_waiting and not await self._waiting(action):
                    return State.SKIPPED
                await self._telegram.decline(action.group_id, action.user_id)
            else:
                return await self._wait(action, payload)
        except Permanent as refused:
            if refused.kind is ErrorKind.JOIN_REQUEST_GONE:
                await self._record(action, "gone")
                return State.SKIPPED  # already decided, or expired
            raise
        await self._record(action, f"{payload.decision.value}d")
        await self._report(action, payload)
        return State.DONE

    async def _report(self, action: Action, payload: DecideJoinRequest) -> None:
        """An approval (a channel's, with its administrators' consent) told to the requester's
        group's log chat, once."""
        spec = payload.notice
        if payload.decision is not JoinDecision.APPROVE or spec is None or action.attempts > 1:
            return
        if spec.log_chat_id:
            await self._log.report(spec.log_chat_id, line_of(action, LogEvent.APPROVE, spec))

    async def _record(self, action: Action, state: str) -> None:
        """The request's end as Telegram answered it: approved, declined, or gone (declined by
        an administrator or expired, which Telegram tells only as HIDE_REQUESTER_MISSING). A
        channel's request stops counting as pending with it."""

        async def record(stores: Stores) -> None:
            await stores.join_requests.record(action.group_id, action.user_id, state)
            await stores.channel_requests.clear(action.group_id, action.user_id)

        await self._ledger.step(record)

    async def _waiting(self, action: Action) -> bool:
        groups = await self._ledger.step(
            lambda stores: stores.join_requests.waiting_groups(action.user_id)
        )
        return action.group_id in groups

    async def _wait(self, action: Action, payload: DecideJoinRequest) -> State:
        async def record(stores: Stores) -> None:
            await stores.join_requests.record(action.group_id, action.user_id, "waiting")
            await schedule(
                stores,
                NewAction(
                    f"expire-request:{action.group_id}:{action.user_id}:{action.action_id}",
                    action.group_id,
                    action.user_id,
                    "request_expired",
                    DecideJoinRequest(JoinDecision.DECLINE, only_if_waiting=True),
                    delay=JOIN_REQUEST_SECONDS,
                ),
            )

        await self._ledger.step(record)
        notice = await self._links.with_own_links(action.group_id, payload.notice or WarningSpec())
        text, keyboard = request_notice(notice, action.group_id, action.user_id, self._key)
        # The requester may not be reachable any more; the request still waits.
        with contextlib.suppress(Permanent):
            await self._telegram.send(payload.user_chat_id, text, keyboard)
        return State.DONE
