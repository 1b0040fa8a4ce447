"""What enforcement does, as data: kinds, states, and one typed payload per kind.

Payloads are plain frozen dataclasses; only the ledger's store turns them into JSON and back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, get_args

from gmbot.enforcement.domain.log_lines import LogLine
from gmbot.runtime.error_kinds import ErrorKind


class Kind(StrEnum):
    ENFORCE = "enforce"
    RELEASE = "release"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    BAN_SENDER_CHAT = "ban_sender_chat"
    JOIN_REQUEST = "join_request"
    # Follow-ups GMBot schedules for itself.
    EXPIRE_WARNING = "expire_warning"
    RENEW_MUTE = "renew_mute"
    # Every restriction of a group at once (unprotected, suspended).
    RELEASE_GROUP = "release_group"
    # The digest of what observe mode saw, one per recipient.
    OBSERVE_DIGEST = "observe_digest"
    LOG_MESSAGE = "log_message"


class State(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    # Observe mode: what GMBot would have done, recorded and never carried out.
    OBSERVED = "observed"


FINISHED = frozenset({State.DONE, State.FAILED, State.SKIPPED, State.OBSERVED})


class MemberAction(StrEnum):
    MUTE = "mute"
    KICK = "kick"
    DELETE_ONLY = "delete_only"


class JoinDecision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    WAIT = "wait"


@dataclass(frozen=True)
class JoinButton:
    text: str
    url: str
    # Set: GMBot's own link for (channel, group) goes in place of `url` when it can be had.
    channel_id: int = 0
    creates_join_request: bool = False


@dataclass(frozen=True)
class WarningSpec:
    """How a warning (or a join requester's notice) looks, as the gateway asked for it."""

    language: str = "en"
    custom_text: str = ""
    user_display_name: str = ""
    group_title: str = ""
    join_buttons: tuple[JoinButton, ...] = ()
    ttl_seconds: int = 300
    message_thread_id: int = 0
    # Outside forum topics, the message the warning answers (a comment thread's root post).
    reply_to_message_id: int = 0
    # The member's own view in private (a t.me deep link to the bot), a button under the warning.
    private_view_url: str = ""
    # Minutes until an unverified member is removed (0: never); set from the request, not the spec.
    kick_after_minutes: int = 0
    # The group's log chat (0: none): the action is reported there (domain/action_log.py).
    log_chat_id: int = 0

    @property
    def place(self) -> tuple[int, int]:
        """Where in the group the warning goes: members warned in one place share a message."""
        return self.message_thread_id, self.reply_to_message_id

    def with_buttons_of(self, other: WarningSpec) -> WarningSpec:
        """This spec with `other`'s join buttons added (one warning for several members)."""
        known = {button.url for button in self.join_buttons}
        extra = tuple(button for button in other.join_buttons if button.url not in known)
        return replace(self, join_buttons=self.join_buttons + extra) if extra else self


@dataclass(frozen=True)
class Enforce:
    """Delete the message (if any), mute or kick the member, and warn."""

    kind: ClassVar[Kind] = Kind.ENFORCE
    action: MemberAction = MemberAction.MUTE
    message_id: int = 0
    warning: WarningSpec | None = None
    kick_after_minutes: int = 0

    @property
    def punishes(self) -> bool:
        """Mutes or kicks the member (more than deleting and warning)."""
        return self.action in (MemberAction.MUTE, MemberAction.KICK)

    def follow_up(self) -> Enforce:
        """What is left to do for a further violation while the member's mute is pending or
        in force: the message goes, with no second mute and no second warning."""
        return Enforce(action=MemberAction.DELETE_ONLY, message_id=self.message_id)


@dataclass(frozen=True)
class Release:
    """Lift GMBot's own restriction and remove the warning."""

    kind: ClassVar[Kind] = Kind.RELEASE
    # Unix end of a mute the ledger lacks (0: none), lifted only while Telegram shows it so.
    unrecorded_until: int = 0
    log: WarningSpec | None = None  # its log_chat_id hears of a mute lifted


@dataclass(frozen=True)
class ReleaseGroup:
    """Lift every restriction GMBot imposed in a group before `before`, remove its warnings."""

    kind: ClassVar[Kind] = Kind.RELEASE_GROUP
    # Unix time the release was accepted: restrictions imposed later are not this one's.
    before: float


@dataclass(frozen=True)
class Kick:
    kind: ClassVar[Kind] = Kind.KICK
    # Only while GMBot's restriction is still in force (a member verified in time stays).
    only_if_restricted: bool = False
    # The member's warning: once removed, they are told in private why and how to come back.
    notice: WarningSpec | None = None


@dataclass(frozen=True)
class Ban:
    kind: ClassVar[Kind] = Kind.BAN
    # Unix time; 0 forever.
    until: int = 0


@dataclass(frozen=True)
class Unban:
    kind: ClassVar[Kind] = Kind.UNBAN


@dataclass(frozen=True)
class BanSenderChat:
    kind: ClassVar[Kind] = Kind.BAN_SENDER_CHAT
    sender_chat_id: int
    message_id: int = 0
    ban: bool = False


@dataclass(frozen=True)
class DecideJoinRequest:
    kind: ClassVar[Kind] = Kind.JOIN_REQUEST
    decision: JoinDecision
    # WAIT: the private chat to tell what to join, and what to show (APPROVE: who to log).
    user_chat_id: int = 0
    notice: WarningSpec | None = None
    # DECLINE: only a request still waiting (an expiry, not an owner's decision).
    only_if_waiting: bool = False


@dataclass(frozen=True)
class ExpireWarning:
    """Delete a warning (or another bot message, domain/message_expiry.py) at its time."""

    kind: ClassVar[Kind] = Kind.EXPIRE_WARNING
    message_id: int


@dataclass(frozen=True)
class RenewMute:
    kind: ClassVar[Kind] = Kind.RENEW_MUTE
    # The until_date of the mute this renews (a mute renewed or lifted since is left alone).
    until: int


@dataclass(frozen=True)
class ObserveDigest:
    """Tell the owner what observe mode saw in a group during [since, until) (Unix times)."""

    kind: ClassVar[Kind] = Kind.OBSERVE_DIGEST
    since: float
    until: float
    language: str = "en"
    group_title: str = ""


@dataclass(frozen=True)
class LogMessage:
    """A log chat's message (group_id: the chat; warning_message_id: the message once sent)."""

    kind: ClassVar[Kind] = Kind.LOG_MESSAGE
    lines: tuple[LogLine, ...] = ()


Payload = (
    Enforce
    | Release
    | ReleaseGroup
    | Kick
    | Ban
    | Unban
    | BanSenderChat
    | DecideJoinRequest
    | ExpireWarning
    | RenewMute
    | ObserveDigest
    | LogMessage
)
PAYLOAD_TYPES: dict[Kind, type[Payload]] = {payload.kind: payload for payload in get_args(Payload)}
# Kinds that end what GMBot holds on a member (or a whole group) from the moment they are
# accepted: nothing decided before them is carried out after.
RELEASES = frozenset({Kind.RELEASE, Kind.RELEASE_GROUP})


@dataclass(frozen=True)
class Observation:
    """Observe mode: record the action as what GMBot would have done; do nothing."""

    # Who hear the digest in private, each their own; empty for nobody.
    digest_user_ids: tuple[int, ...] = ()
    language: str = "en"
    group_title: str = ""
    digest_languages: tuple[str, ...] = ()

    def language_of(self, index: int) -> str:
        """Recipient `index`'s own language (digest_languages, in order), else the group's."""
        own = self.digest_languages[index] if index < len(self.digest_languages) else ""
        return own or self.language


@dataclass(frozen=True)
class NewAction:
    idempotency_key: str
    group_id: int
    user_id: int
    reason: str
    payload: Payload
    # Seconds from now before it may run (0: at once).
    delay: float = 0.0
    # Set: observe mode, recorded as OBSERVED and never run.
    observation: Observation | None = None

    @property
    def kind(self) -> Kind:
        return self.payload.kind


@dataclass(frozen=True)
class Action:
    action_id: str
    idempotency_key: str
    state: State
    group_id: int
    user_id: int
    reason: str
    payload: Payload
    # Which claim this is (1 for the first run); a worker's writes are fenced by it.
    attempts: int
    warning_message_id: int | None = None
    created_at: datetime | None = None

    @property
    def kind(self) -> Kind:
        return self.payload.kind


class Permanent(Exception):
    """Telegram refused for good (no right, no such user): recorded, never retried."""

    def __init__(self, reason: str, kind: ErrorKind = ErrorKind.REFUSED) -> None:
        super().__init__(reason)
        self.kind = kind


class Later(Exception):
    """Not now (5xx, network, a long 429): the action goes back to the ledger for later."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay
