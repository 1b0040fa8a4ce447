"""The three back ends as the flows and the Mini App call them."""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.clients.backends import Backends
from gmbot.gateway.clients.channel_joins import ChannelJoinsClient
from gmbot.gateway.clients.enforcement import EnforcementClient
from gmbot.gateway.clients.membership import MembershipClient
from gmbot.gateway.clients.tenancy import TenancyClient


@dataclass(frozen=True)
class Clients:
    tenancy: TenancyClient
    membership: MembershipClient
    enforcement: EnforcementClient
    # Enforcement too, about channels: invite links, joins, join requests, consents.
    channel_joins: ChannelJoinsClient

    @classmethod
    def over(cls, backends: Backends) -> Clients:
        return cls(
            TenancyClient(backends.tenancy),
            MembershipClient(backends.membership),
            EnforcementClient(backends.enforcement),
            ChannelJoinsClient(backends.enforcement),
        )
