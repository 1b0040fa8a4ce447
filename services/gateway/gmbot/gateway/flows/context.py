"""What every flow works with, and the facts it reads from an update."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from gmbot.gateway.clients.activity import ActivityCounter
from gmbot.gateway.clients.facades import Clients
from gmbot.gateway.clients.near_cache import NearCache
from gmbot.gateway.clients.policies import PolicyCache
from gmbot.gateway.clients.presence import PresenceBatcher
from gmbot.gateway.flows.claims import Claims
from gmbot.gateway.flows.second_look import SecondLook
from gmbot.gateway.stores.drafts import SetupDrafts
from gmbot.gateway.stores.invite_links import InviteLinks
from gmbot.gateway.stores.pace import GroupPace
from gmbot.gateway.stores.recent import SharedAnswers
from gmbot.gateway.stores.seen_people import SeenPeople

# Telegram's own accounts that stand in for someone else (TELEGRAM.md, "Who sent a message").
TELEGRAM_SERVICE_USER = 777000
GROUP_ANONYMOUS_BOT = 1087968824
CHANNEL_BOT = 136817688


@dataclass(frozen=True, kw_only=True)
class FlowContext:
    """Made by gmbot.gateway.composition.make_flow_context, for the gateway and its tests alike."""

    # The back ends, each behind its facade.
    clients: Clients
    policies: PolicyCache
    # Which of two announcements of one event decides (intake's update ledger keeps them).
    ledger: Claims
    bot_id: int
    bot_username: str
    # Membership answers and administrator lists kept current by membership's changes.
    near: NearCache
    presence: PresenceBatcher
    # Messages let through because membership could not tell yet, judged again later.
    second_look: SecondLook[GroupMessage]
    # How long a decision may wait for a membership answer (the budget may make it wait).
    check_wait_seconds: float
    # What is checked in each group, for the owners' /stats.
    activity: ActivityCounter
    # Signs (and checks) the buttons of warnings and of the owners' lists.
    signing_key: bytes
    # The last "I have joined" answer per (group, member), for a few seconds (flows/verify.py).
    recent_checks: SharedAnswers
    # Which members were answered a command lately, per group (telegram/routers.py).
    member_answers: SharedAnswers
    # Owners' set-ups in progress in private (/protect with chat pickers).
    drafts: SetupDrafts
    # How many messages each group had in the last minute (a busy group's panel goes private).
    pace: GroupPace
    # Names and @usernames of the people seen writing (the exempt list, /exempt @name).
    seen_people: SeenPeople
    # The settings panel's prompts waiting for their answer and texts waiting for "Save"
    # (flows/settings_panel.py, flows/warning_text.py).
    panel_drafts: SharedAnswers
    # Private channels' primary invite links, so /protect accepts t.me/+… (stores/invite_links.py).
    invite_links: InviteLinks
    # Undo presses past their checks, so the same press handled again finishes (flows/log_undo.py).
    undo_presses: SharedAnswers
    # Seconds a settings panel in a group stays after its last use (0: for good).
    panel_ttl_seconds: int = 600


@dataclass(frozen=True)
class Person:
    user_id: int
    display_name: str
    is_bot: bool = False
    language_code: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class GroupMessage:
    """A message in a group, reduced to what the decision needs."""

    update_id: int
    chat_id: int
    chat_title: str
    message_id: int
    sender: Person
    # Set when the message was sent on behalf of a chat (then `sender` is a placeholder account).
    sender_chat_id: int | None = None
    is_automatic_forward: bool = False
    is_service: bool = False
    # The forum topic the message is in.
    thread_id: int | None = None
    # Outside forums, the first message of the reply chain the message is in (Telegram's
    # message_thread_id there): for a comment under a channel post, the post's automatic forward
    # into the discussion group, whose comments the commenter reads.
    thread_root_id: int | None = None
    # The message answers a channel post's automatic forward: a comment under that post.
    answers_a_channel_post: bool = False
    # Judged while the group observed: judged again (a second look), still only observed.
    observing: bool = False


def message_record(message: GroupMessage) -> dict[str, Any]:
    """What is kept of a message waiting for a second look (stores.waiting_looks)."""
    return asdict(message)


def message_from_record(record: dict[str, Any]) -> GroupMessage:
    """The kept message; fields a gateway of another version wrote and this one does not know
    are left out (a rolling upgrade hands its waiting looks on either way)."""
    message = {name: value for name, value in record.items() if name in _MESSAGE_FIELDS}
    person = message.pop("sender")
    sender = Person(**{name: value for name, value in person.items() if name in _PERSON_FIELDS})
    return GroupMessage(sender=sender, **message)


_MESSAGE_FIELDS = {f.name for f in fields(GroupMessage)}
_PERSON_FIELDS = {f.name for f in fields(Person)}
