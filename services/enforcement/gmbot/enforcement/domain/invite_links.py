"""A channel's invite link for a group: made by the bot, kept in the ledger, answered from there.

Telegram tells nobody when an administrator revokes a link, and a revoked link lets nobody in:
a kept link is asked about again (editChatInviteLink answers its state) when it was last seen
live more than VERIFY_AFTER ago, and made again when revoked. Where the channel approves joins
(it was seen taking join requests, or the owner says so) the link asks for approval too: a plain
link would let anyone past the channel's approval."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from gmbot.enforcement.domain.actions import JoinButton, Later, Permanent, WarningSpec
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.ports import Ledger, TelegramActions
from gmbot.runtime.errors import FailedPrecondition, Unavailable

T = TypeVar("T")
VERIFY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class KeptLink:
    link: str
    creates_join_request: bool
    # When Telegram last said the link was live; None: to be asked.
    checked_at: datetime | None = None


def link_name(group_id: int) -> str:
    """Named for the group, so the channel's admins see where its joins come from."""
    return f"GMBot · {group_id}"[:32]


class InviteLinks:
    """GMBot's links: `verify_after` is how long a link Telegram said was live is trusted."""

    def __init__(
        self, ledger: Ledger, telegram: TelegramActions, verify_after: timedelta = VERIFY_AFTER
    ) -> None:
        self._ledger = ledger
        self._telegram = telegram
        self._verify_after = verify_after

    async def link(self, channel_id: int, group_id: int, *, approval: bool = False) -> KeptLink:
        """`approval`: the owner says the channel approves joins."""
        async with self._ledger.transaction() as stores:
            kept = await stores.invite_links.get(channel_id, group_id)
            approval = approval or await stores.channel_requests.approving(channel_id)
        # A link that asks for approval stays so: GMBot never opens a way past a channel's
        # approval by itself (a /protect again, a setting turned off).
        approval = approval or (kept is not None and kept.creates_join_request)
        if kept is not None and kept.creates_join_request == approval:
            if not await self._revoked(channel_id, group_id, kept):
                return kept
        elif kept is not None:
            # The plain one must not stay usable: it would bypass the approval.
            await _asking(self._telegram.revoke_invite_link(channel_id, kept.link), channel_id)
        made = await _asking(
            self._telegram.invite_link(channel_id, link_name(group_id), approval), channel_id
        )
        # Two callers at once keep one link: the first kept wins, and both answer it.
        async with self._ledger.transaction() as stores:
            if kept is None:
                link = await stores.invite_links.keep(channel_id, group_id, made, approval)
            else:
                link = await stores.invite_links.replace(
                    channel_id, group_id, kept.link, made, approval
                )
        return KeptLink(link, approval, now())

    async def with_own_links(self, group_id: int, spec: WarningSpec) -> WarningSpec:
        """The warning with GMBot's own link on each button that names its channel; a link
        that cannot be had now (no right there, Telegram busy) leaves the button's own url."""
        buttons: list[JoinButton] = []
        for button in spec.join_buttons:
            if button.channel_id:
                try:
                    kept = await self.link(
                        button.channel_id, group_id, approval=button.creates_join_request
                    )
                except (FailedPrecondition, Unavailable):
                    pass
                else:
                    button = replace(button, url=kept.link)
            buttons.append(button)
        return replace(spec, join_buttons=tuple(buttons))

    async def _revoked(self, channel_id: int, group_id: int, kept: KeptLink) -> bool:
        if kept.checked_at is not None and now() - kept.checked_at < self._verify_after:
            return False
        try:
            revoked = await self._telegram.invite_link_revoked(
                channel_id, kept.link, link_name(group_id)
            )
        except (Later, Permanent):
            return False  # unknown: the buttons keep the link rather than wait on Telegram
        if not revoked:
            async with self._ledger.transaction() as stores:
                await stores.invite_links.checked(channel_id, group_id)
        return revoked


async def _asking(call: Awaitable[T], channel_id: int) -> T:
    try:
        return await call
    except Permanent as refused:
        raise FailedPrecondition(
            f"the bot cannot manage invite links in {channel_id}: {refused}"
        ) from refused
    except Later as later:
        raise Unavailable(f"Telegram is busy: {later}") from later
