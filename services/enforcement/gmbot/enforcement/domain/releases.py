"""Letting go: what a release (of a member) and a group's release do in Telegram. GMBot lifts
only the restrictions it imposed, restoring the group's default permissions, and deletes its
warnings; what the release cancels (renewals, scheduled kicks, decisions not yet carried out),
it cancelled when it was accepted (intake.py).

Other people's actions win: whether a restriction is still GMBot's is read from Telegram when
GMBot is about to lift, renew or act on it, never assumed from the ledger. A member an
administrator or another bot banned, removed or restricted since is theirs; GMBot's record of
them ends and Telegram is left as they made it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from gmbot.enforcement.domain.action_log import ActionLog, line_of
from gmbot.enforcement.domain.actions import Action, Permanent, Release, ReleaseGroup, State
from gmbot.enforcement.domain.log_lines import LogEvent
from gmbot.enforcement.domain.ports import (
    ChatMember,
    Ledger,
    Restriction,
    Stores,
    TelegramActions,
)
from gmbot.runtime.error_kinds import ErrorKind

# What Telegram says when the bot may not restrict (or unrestrict) members there now.


# A release for this reason only ends GMBot's record: someone else's action replaced its mute.
OVERRULED = "overruled"
# Telegram rounds a restriction's until_date; anything further off is someone else's.
_UNTIL_SLACK = 2


def imposed_by_gmbot(member: ChatMember, until_date: int) -> bool:
    """The member as getChatMember shows them still wears GMBot's mute: restricted, unable to
    write, until the moment GMBot set. A ban, a removal, a lifted mute, or a restriction someone
    set again (a forever one reads as 1970) is not GMBot's any more."""
    return (
        member.status == "restricted"
        and not member.can_send_messages
        and member.until_date is not None
        and abs(member.until_date - until_date) <= _UNTIL_SLACK
    )


async def released_since(ledger: Ledger, action: Action) -> bool:
    """The member (or the group) was released after this action was decided: it is not
    carried out any more."""
    decided = action.created_at
    if decided is None:
        return False
    return await ledger.read(
        lambda stores: stores.releases.since(action.group_id, action.user_id, decided)
    )


def _lacks_rights(refused: Permanent) -> bool:
    return refused.kind in (ErrorKind.NOT_ENOUGH_RIGHTS, ErrorKind.BOT_REMOVED)


class Releases:
    def __init__(self, telegram: TelegramActions, ledger: Ledger, action_log: ActionLog) -> None:
        self._telegram = telegram
        self._ledger = ledger
        self._log = action_log

    async def release(self, action: Action, payload: Release) -> State:
        """Lifts only what GMBot imposed: a member someone else restricted stays restricted.
        (What the release cancels, it cancelled when it was accepted.) DONE when GMBot held a
        restriction, even one an admin had already lifted by hand, or lifted one it did not
        hold that Telegram still shows as its mute (`unrecorded_until`). Overruled (someone
        else acted on the member): the record ends and nothing is asked of Telegram."""
        group_id, user_id = action.group_id, action.user_id

        async def look(stores: Stores) -> tuple[Restriction | None, int | None, bool]:
            held = await stores.restrictions.get(group_id, user_id)
            warning = await stores.warnings.live(group_id, user_id)
            if warning is None:
                return held, None, False
            shared = await stores.warnings.others_on(group_id, warning.message_id, user_id) > 0
            return held, warning.message_id, shared

        held, warning_id, shared = await self._ledger.step(look)
        if warning_id is not None:
            if not shared:
                await self._telegram.delete(group_id, [warning_id])
            await self._ledger.step(lambda stores: stores.warnings.forget_member(group_id, user_id))
        if held is None or not held.active:
            if payload.unrecorded_until and action.reason != OVERRULED:
                await self.lift_if_ours(group_id, user_id, payload.unrecorded_until)
                await self._report(action, payload, "")
                return State.DONE
            return State.SKIPPED
        if action.reason == OVERRULED:
            await self._ledger.step(self._forget_restriction(group_id, user_id))
            return State.DONE
        if not await self._lift(group_id, user_id, held.until_date):
            # Another release let them go meanwhile (two channels joined a moment apart): that
            # one is the release, counted and logged once.
            return State.SKIPPED
        await self._report(action, payload, held.display_name)
        return State.DONE

    async def _report(self, action: Action, payload: Release, name: str) -> None:
        """The group's log chat hears that GMBot let the member go, and why (once: a run again
        may have told it)."""
        spec = payload.log
        if spec is None or not spec.log_chat_id or action.attempts > 1:
            return
        line = line_of(action, LogEvent.RELEASE, spec)
        line = replace(line, name=line.name or name, channels=(), why=action.reason)
        await self._log.report(spec.log_chat_id, line)

    async def _lift(self, group_id: int, user_id: int, until_date: int) -> bool:
        """Lifts GMBot's restriction in Telegram (only if it is still GMBot's) and records it
        lifted; False when a release beside this one recorded it first."""
        await self.lift_if_ours(group_id, user_id, until_date)
        return await self._ledger.step(self._forget_restriction(group_id, user_id))

    async def lift_if_ours(self, group_id: int, user_id: int, until_date: int) -> None:
        """Unmutes the member only while Telegram shows GMBot's own mute (until `until_date`)."""
        member = await self._telegram.member(group_id, user_id)
        if imposed_by_gmbot(member, until_date):
            await self._telegram.unmute(group_id, user_id)

    @staticmethod
    def _forget_warning(group_id: int, message_id: int) -> Callable[[Stores], Awaitable[None]]:
        return lambda stores: stores.warnings.forget_message(group_id, message_id)

    @staticmethod
    def _forget_restriction(group_id: int, user_id: int) -> Callable[[Stores], Awaitable[bool]]:
        return lambda stores: stores.restrictions.lift(group_id, user_id)

    async def release_group(self, action: Action, payload: ReleaseGroup) -> State:
        """Every restriction GMBot imposed in the group before the release, and every warning:
        gone. What Telegram does not let the bot lift now stays recorded, for a later release
        (once the rights are back); the action then fails saying how many are left."""
        group_id = action.group_id
        before = datetime.fromtimestamp(payload.before, UTC)

        async def look(stores: Stores) -> tuple[Sequence[Restriction], list[int]]:
            held = await stores.restrictions.held_in_group(group_id, before)
            return held, await stores.warnings.messages_of_group(group_id)

        held, warnings = await self._ledger.step(look)
        for message_id in warnings:
            with contextlib.suppress(Permanent):  # the bot may not delete there any more
                await self._telegram.delete(group_id, [message_id])
            await self._ledger.step(self._forget_warning(group_id, message_id))
        left = 0
        for restriction in held:
            try:
                await self._lift(group_id, restriction.user_id, restriction.until_date)
            except Permanent as refused:
                if _lacks_rights(refused):
                    left += 1
                else:  # e.g. the member is an admin now: nothing of GMBot's to lift
                    await self._ledger.step(self._forget_restriction(group_id, restriction.user_id))
        if left:
            raise Permanent(
                f"{left} restriction(s) could not be lifted: the bot lacks the rights",
                ErrorKind.NOT_ENOUGH_RIGHTS,
            )
        return State.DONE
