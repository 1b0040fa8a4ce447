"""What `gmbot reconcile` concludes about one member: GMBot's records against what Telegram
shows. Pure, so that every case is a unit test: no gRPC, no aiogram."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Finding(StrEnum):
    # (a) Telegram shows GMBot's mute, the ledger holds none: a restriction made after the backup
    # the ledger was restored from, which nothing would ever lift.
    STRANDED = "stranded"
    # (b) The ledger holds a restriction Telegram does not show as GMBot's: lifted by someone,
    # replaced by someone else's, or never applied.
    UNAPPLIED = "unapplied"
    # (c) The records explain what Telegram shows.
    CONSISTENT = "consistent"
    # Restricted or banned by someone else, unknown to the ledger: never touched.
    OTHERS = "others"
    # Telegram did not answer for this member: nothing is concluded.
    UNKNOWN = "unknown"


# What needs the operator (or --lift).
OUT_OF_LINE = frozenset({Finding.STRANDED, Finding.UNAPPLIED})


@dataclass(frozen=True)
class Seen:
    """A member as getChatMember showed them; `until` 0 for no end date (or none at all)."""

    status: str
    can_send_messages: bool = True
    until: int = 0

    @property
    def gmbot_shaped(self) -> bool:
        """GMBot's mute as Telegram shows it: restricted, unable to write, with an end (GMBot
        never mutes forever, which Telegram shows without an end). The same shape as
        enforcement's imposed_by_gmbot, without the end GMBot recorded: after a restore there
        is none to compare with."""
        return self.status == "restricted" and not self.can_send_messages and self.until > 0


def classify(seen: Seen | None, in_ledger: bool) -> Finding:
    if seen is None:
        return Finding.UNKNOWN
    if in_ledger:
        return Finding.CONSISTENT if seen.gmbot_shaped else Finding.UNAPPLIED
    if seen.gmbot_shaped:
        return Finding.STRANDED
    if seen.status in ("restricted", "kicked"):
        return Finding.OTHERS
    return Finding.CONSISTENT
