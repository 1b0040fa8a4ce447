"""Join requests in the channels a group requires: pending per member and channel until
approved, declined or joined (Telegram drops one after a day), and the consent of a channel's
administrator that GMBot approves the requests of members in good standing of a group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.ports import Ledger

# Telegram keeps a join request this long.
REQUEST_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class Consent:
    channel_id: int
    user_id: int
    consented_at: datetime
    withdrawn_by: int | None = None
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


async def record_request(
    ledger: Ledger, channel_id: int, user_id: int, invite_link: str
) -> tuple[int, Consent | None]:
    """The group whose GMBot link the request came by (0 for none), and the channel's consent."""
    async with ledger.transaction() as stores:
        group_id = (
            await stores.invite_links.group_of(channel_id, invite_link) if invite_link else None
        )
        await stores.channel_requests.record(channel_id, user_id, group_id or 0)
        consent = await stores.join_consents.get(channel_id)
    return group_id or 0, consent


async def request_over(ledger: Ledger, channel_id: int, user_id: int) -> bool:
    async with ledger.transaction() as stores:
        return await stores.channel_requests.clear(channel_id, user_id)


async def pending_channels(ledger: Ledger, user_id: int) -> list[int]:
    async with ledger.transaction() as stores:
        return await stores.channel_requests.pending_channels(user_id, now() - REQUEST_LIFETIME)


async def consent_of(ledger: Ledger, channel_id: int) -> Consent | None:
    async with ledger.transaction() as stores:
        return await stores.join_consents.get(channel_id)


async def set_consent(ledger: Ledger, channel_id: int, user_id: int, given: bool) -> Consent | None:
    """The caller has checked that `user_id` administers the channel."""
    async with ledger.transaction() as stores:
        if given:
            await stores.join_consents.give(channel_id, user_id)
        else:
            await stores.join_consents.withdraw(channel_id, user_id)
        return await stores.join_consents.get(channel_id)
