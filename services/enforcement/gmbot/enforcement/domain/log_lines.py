"""A log chat's line as the ledger keeps it: one action GMBot took on a member of a group, kept
with the message that carries it, so that a restart loses none and an Undo can rewrite it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LogEvent(StrEnum):
    """What GMBot did to the member."""

    MUTE = "mute"
    KICK = "kick"
    DELETE_ONLY = "delete_only"
    # A member muted with `kick_after` who did not verify in time, removed.
    KICK_UNVERIFIED = "kick_unverified"
    # GMBot's mute lifted (why: the release's reason). No Undo: muting again is GMBot's to
    # decide at the member's next message, not an administrator's to press.
    RELEASE = "release"
    # A channel's join request approved with its administrator's consent (channels: the
    # channel). No Undo: Telegram has no taking back an approval.
    APPROVE = "approve"


@dataclass(frozen=True)
class LogLine:
    group_id: int
    group_title: str
    # The group's language: its lines and their header read in it.
    language: str
    user_id: int
    name: str
    event: LogEvent
    # The channels the member does not follow (their titles).
    channels: tuple[str, ...] = ()
    # RELEASE: the reason it was lifted, as the ledger names it.
    why: str = ""
    # Set once an administrator of the group pressed its Undo.
    undone: bool = False
    # Who did (empty: an anonymous administrator, who stays unnamed).
    undone_by: str = ""
