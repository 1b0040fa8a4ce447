"""A protected group's policy as the gateway keeps and reads it: everything it needs to judge a
message there. Named field by field as tenancy.proto's GroupPolicy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from gmbot.gateway.domain.choices import ChannelRights
from gmbot.gateway.domain.settings import GroupSettings

# A message's unset timestamp.
_NEVER = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True)
class Channel:
    """A linked channel: its marked id, title, public username ("" for a private one), the
    invite link members use ("" while none is known) and the bot's standing there."""

    channel_id: int = 0
    title: str = ""
    username: str = ""
    invite_link: str = ""
    bot_rights: ChannelRights = ChannelRights.UNSPECIFIED


@dataclass(frozen=True)
class Owner:
    """Who protects a group: the user, and the name to show (at most 64 characters)."""

    user_id: int = 0
    username: str = ""


@dataclass(frozen=True)
class GroupPolicy:
    group_id: int = 0
    title: str = ""
    # The user who last protected the group: told when the bot loses its rights.
    owner_user_id: int = 0
    enabled: bool = False
    # Non-empty while enforcement is suspended: why, in words for the owner.
    suspended_reason: str = ""
    # In the order the owner gave them (the order of the join buttons).
    channels: tuple[Channel, ...] = ()
    settings: GroupSettings = field(default_factory=GroupSettings)
    # Grows with every change of the group; equal versions mean an identical policy.
    version: int = 0
    updated_at: datetime = _NEVER
    # The channel whose discussion group this is (0: none), whose messages are never judged.
    linked_chat_id: int = 0
