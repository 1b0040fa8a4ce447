"""Removing a member: a ban that ends by itself, never a ban followed by unbanChatMember, so a
ban someone else adds is never lifted by GMBot. A scheduled kick (a member who did not verify in
time) first reads the member from Telegram: when the mute there is not GMBot's any more (an
administrator or another bot banned, removed, restricted or unmuted them since), GMBot's record
ends and Telegram is not touched."""

from __future__ import annotations

import time

import structlog

from gmbot.enforcement.domain.action_log import ActionLog, line_of
from gmbot.enforcement.domain.actions import Action, Kick, Permanent, State, WarningSpec
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.log_lines import LogEvent
from gmbot.enforcement.domain.ports import ChatMember, Ledger, TelegramActions
from gmbot.enforcement.domain.releases import imposed_by_gmbot, released_since
from gmbot.enforcement.domain.texts import removal_notice

# A removal bans for this long, then the member may come back. Telegram reads an until_date
# under 30 s from now as forever: a minute keeps clear of that with clocks that disagree.
REMOVAL_SECONDS = 60
log = structlog.get_logger("gmbot.enforcement.domain.removals")
# Statuses of someone who is not in the group to be removed: banned (by someone else, whose ban
# GMBot must not shorten) or gone.
_NOT_THERE = frozenset({"kicked", "left"})


class Removals:
    def __init__(
        self, telegram: TelegramActions, ledger: Ledger, links: InviteLinks, action_log: ActionLog
    ) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._links = links
        self._log = action_log

    async def remove(self, group_id: int, user_id: int, member: ChatMember | None = None) -> State:
        """Removes the member (`member`: as Telegram showed them a moment ago) by a ban that
        ends by itself: no unban follows it that could free a member an administrator banned
        meanwhile. A member banned already, or gone, is left as they are."""
        if member is None:
            member = await self._telegram.member(group_id, user_id)
        removed = member.status not in _NOT_THERE
        if removed:
            await self._telegram.ban(group_id, user_id, int(time.time()) + REMOVAL_SECONDS)
        await self._ledger.step(lambda stores: stores.restrictions.lift(group_id, user_id))
        return State.DONE if removed else State.SKIPPED

    async def still_gmbots(self, action: Action, until_date: int) -> ChatMember | None:
        """The member as Telegram shows them while they wear GMBot's mute (until `until_date`);
        None when they do not any more: someone else acted on them, and GMBot's record ends."""
        member = await self._telegram.member(action.group_id, action.user_id)
        if imposed_by_gmbot(member, until_date):
            return member
        await self._ledger.step(
            lambda stores: stores.restrictions.lift(action.group_id, action.user_id)
        )
        return None

    async def kick(self, action: Action, payload: Kick) -> State:
        if not payload.only_if_restricted:
            return await self.remove(action.group_id, action.user_id)
        held = await self._ledger.step(
            lambda stores: stores.restrictions.get(action.group_id, action.user_id)
        )
        if held is None or not held.active or await released_since(self._ledger, action):
            return State.SKIPPED  # verified, exempted or unmuted in time
        member = await self.still_gmbots(action, held.until_date)
        if member is None:
            return State.SKIPPED  # banned, removed, restricted or unmuted by someone else
        state = await self.remove(action.group_id, action.user_id, member)
        if state is State.DONE:
            await self.tell_removed(action, payload.notice)
            await self._report(action, payload.notice)
        return state

    async def _report(self, action: Action, notice: WarningSpec | None) -> None:
        """The group's log chat hears of the removal (once: a run again may have told it)."""
        if notice is not None and notice.log_chat_id and action.attempts == 1:
            line = line_of(action, LogEvent.KICK_UNVERIFIED, notice)
            await self._log.report(notice.log_chat_id, line)

    async def tell_removed(self, action: Action, notice: WarningSpec | None) -> None:
        """Tells a removed member in private why, with the channels' buttons. Telegram lets the
        bot write only to someone who started it: anyone else's 403 is expected, not a
        failure. (A message of enforcement's waits behind every punishment and check.)"""
        if notice is None:
            return
        text, keyboard = removal_notice(await self._links.with_own_links(action.group_id, notice))
        try:
            await self._telegram.send(action.user_id, text, keyboard)
        except Permanent as refused:
            log.info("removal not explained: the member cannot be written to", error=str(refused))
