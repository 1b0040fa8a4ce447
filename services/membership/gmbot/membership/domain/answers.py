"""What Telegram's answers mean for membership: the mapping of every status and every error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from gmbot.v1 import membership_pb2 as pb


class Status(IntEnum):
    MEMBER = pb.MEMBERSHIP_STATUS_MEMBER
    NOT_MEMBER = pb.MEMBERSHIP_STATUS_NOT_MEMBER
    UNKNOWN = pb.MEMBERSHIP_STATUS_UNKNOWN


class Source(IntEnum):
    CACHE = pb.ANSWER_SOURCE_CACHE
    TELEGRAM = pb.ANSWER_SOURCE_TELEGRAM
    EVENT = pb.ANSWER_SOURCE_EVENT


IN_CHAT = frozenset({"creator", "administrator", "member"})


@dataclass(frozen=True)
class Answer:
    status: Status
    source: Source
    # Unix seconds when the answer was true (the call, or the event's date).
    observed_at: float
    telegram_status: str = ""
    reason: str = ""

    def cached(self) -> Answer:
        """As served from the cache: an event stays an event, a Bot API answer becomes cached."""
        source = Source.EVENT if self.source is Source.EVENT else Source.CACHE
        return Answer(self.status, source, self.observed_at, self.telegram_status, self.reason)


def status_of(telegram_status: str, is_member: bool) -> Status:
    """creator, administrator, member: in. restricted: in only while is_member. left and kicked
    (banned): out. A banned user is not subscribed, whatever the channel shows."""
    if telegram_status in IN_CHAT:
        return Status.MEMBER
    if telegram_status == "restricted":
        return Status.MEMBER if is_member else Status.NOT_MEMBER
    if telegram_status in {"left", "kicked"}:
        return Status.NOT_MEMBER
    return Status.UNKNOWN


def unknown(reason: str, now: float) -> Answer:
    """GMBot could not tell: never a reason to punish, never cached."""
    return Answer(Status.UNKNOWN, Source.TELEGRAM, now, reason=reason)
