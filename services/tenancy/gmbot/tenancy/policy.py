"""The tenancy domain: what a group's protection is, and what counts as valid input.

Pure logic with no database or gRPC: the rules here are the ones owners meet in /settings.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import (
    MAX_USER_ID,
    MIN_MARKED_CHANNEL_ID,
    check_supergroup_id,
    is_basic_group_id,
    is_supergroup_id,
)

MAX_CHANNELS_PER_GROUP = 10
# The gateway adds a member here each time an administrator lifts GMBot's mute by hand, one
# person at a time: far past anything administrators do by hand, and still a small policy
# (about 50 KB in a message, a linear scan of well under a millisecond per message checked).
# Should a list reach it all the same, the gateway keeps the admin's unmute and only skips
# the exemption (flows/undo.py): a refusal here never fails an update.
MAX_EXEMPT_USERS = 10_000
# Each bound is the length of the column that stores the value (models.py uses them): a longer
# value is refused here, on every engine, instead of failing inside PostgreSQL (SQLite does not
# enforce lengths at all).
MAX_TITLE_LENGTH = 255
MAX_OWNER_NAME_LENGTH = 64
MAX_USERNAME_LENGTH = 32
MAX_INVITE_LINK_LENGTH = 255
MAX_WARNING_TEXT_LENGTH = 1000

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_INVITE_LINK = re.compile(r"https://(t|telegram)\.me/[!-~]{1,200}")
WARNING_PLACEHOLDERS = frozenset({"user", "channels", "group"})


def check_text(value: str, field: str, most: int) -> str:
    """A string as it may be stored: at most `most` characters, and no NUL (PostgreSQL refuses
    it in text and in JSON)."""
    if len(value) > most:
        raise InvalidArgument(
            f"{field} is longer than {most} characters ({len(value)})", field=field
        )
    if "\x00" in value:
        raise InvalidArgument(f"{field} contains a NUL character", field=field)
    return value


class Action(StrEnum):
    MUTE = "mute"
    KICK = "kick"
    DELETE_ONLY = "delete_only"


class OnUnknown(StrEnum):
    ALLOW = "allow"
    DELETE_MESSAGE = "delete_message"


class Mode(StrEnum):
    ENFORCE = "enforce"
    # Check everything, do nothing, record what would have been done.
    OBSERVE = "observe"


class ChannelRights(StrEnum):
    """What the bot may do in a linked channel, as its my_chat_member updates say."""

    OK = "ok"
    REMOVED = "removed"
    NOT_ADMIN = "not_admin"
    NO_INVITE_LINKS = "no_invite_links"
    NO_ATTRIBUTION = "no_attribution"


def _check_placeholders(text: str) -> str:
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ValueError(
            f"unbalanced braces ({error}); write {{{{ and }}}} for literal braces"
        ) from None
    unknown = names - WARNING_PLACEHOLDERS
    if unknown:
        known = ", ".join(f"{{{n}}}" for n in sorted(WARNING_PLACEHOLDERS))
        raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {known}")
    return text


class GroupSettings(BaseModel):
    """Per-group settings, each with a default and a range."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action = Action.MUTE
    warning_text: str = Field(default="", max_length=MAX_WARNING_TEXT_LENGTH)
    # The languages GMBot speaks (gettext locale names; the gateway and enforcement catalogs).
    language: Literal["en", "ru", "uk", "es", "pt_BR", "fa", "ar", "id", "tr"] = "en"
    warning_ttl_seconds: int = Field(default=300, ge=10, le=86_400)
    kick_after_minutes: int = Field(default=0, ge=0, le=10_080)
    check_on_join: bool = True
    gate_join_requests: bool = False
    exempt_user_ids: tuple[Annotated[int, Field(gt=0, le=MAX_USER_ID)], ...] = Field(
        default=(), max_length=MAX_EXEMPT_USERS
    )
    on_unknown: OnUnknown = OnUnknown.ALLOW
    ban_sender_chat: bool = True
    mode: Mode = Mode.ENFORCE
    # Where GMBot reports its actions in the group (a channel, a supergroup or a basic group);
    # 0 for nowhere.
    log_chat_id: int = Field(default=0, ge=MIN_MARKED_CHANNEL_ID, le=0)
    channels_approve_joins: bool = False
    pending_request_counts_as_joined: bool = False

    @field_validator("warning_text")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        return _check_placeholders(value)

    @field_validator("exempt_user_ids")
    @classmethod
    def _unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError("duplicate user ids")
        return value

    @field_validator("log_chat_id")
    @classmethod
    def _chat(cls, value: int) -> int:
        if value and not (is_supergroup_id(value) or is_basic_group_id(value)):
            raise ValueError("not a channel or group id")
        return value


SETTING_NAMES = frozenset(GroupSettings.model_fields)


def change_settings(current: GroupSettings, changes: dict[str, object]) -> GroupSettings:
    """`current` with `changes` applied, validated as a whole; names the first bad setting."""
    unknown = sorted(set(changes) - SETTING_NAMES)
    if unknown:
        raise InvalidArgument(
            f"unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(SETTING_NAMES))}",
            field=unknown[0],
        )
    try:
        return GroupSettings.model_validate({**current.model_dump(), **changes})
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        raise InvalidArgument(f"{name}: {first['msg']}", field=name) from None


def load_settings(stored: dict[str, object]) -> GroupSettings:
    """Settings as stored; keys of settings that no longer exist are dropped."""
    return GroupSettings.model_validate({k: v for k, v in stored.items() if k in SETTING_NAMES})


@dataclass(frozen=True)
class Channel:
    channel_id: int
    title: str = ""
    username: str = ""
    invite_link: str = ""
    # ChannelRights' value; empty in a request: keep what is recorded.
    bot_rights: str = ""

    def validated(self, field: str = "channel") -> Channel:
        check_supergroup_id(self.channel_id, f"{field}.channel_id")
        check_text(self.title, f"{field}.title", MAX_TITLE_LENGTH)
        username = self.username.removeprefix("@")
        if username and not _USERNAME.fullmatch(username):
            shown = username if len(username) <= MAX_USERNAME_LENGTH else username[:32] + "…"
            raise InvalidArgument(
                f"{field}.username {shown!r} is not a Telegram username",
                field=f"{field}.username",
            )
        check_text(self.invite_link, f"{field}.invite_link", MAX_INVITE_LINK_LENGTH)
        if self.invite_link and not _INVITE_LINK.fullmatch(self.invite_link):
            raise InvalidArgument(
                f"{field}.invite_link must be an https://t.me/ link",
                field=f"{field}.invite_link",
            )
        if self.bot_rights and self.bot_rights not in set(ChannelRights):
            raise InvalidArgument(
                f"{field}.bot_rights is not a known value", field=f"{field}.bot_rights"
            )
        return Channel(self.channel_id, self.title, username, self.invite_link, self.bot_rights)


def change_exempt(
    current: GroupSettings, add: list[int], remove: list[int]
) -> tuple[GroupSettings, list[int]]:
    """`current` with users exempted and un-exempted; also returns who was newly exempted."""
    for user_id in [*add, *remove]:
        if not 0 < user_id <= MAX_USER_ID:
            raise InvalidArgument(f"{user_id} is not a Telegram user id", field="exempt_user_ids")
    exempt = list(current.exempt_user_ids)
    added = [u for u in dict.fromkeys(add) if u not in exempt]
    kept = [u for u in [*exempt, *added] if u not in set(remove)]
    if len(kept) > MAX_EXEMPT_USERS:
        raise InvalidArgument(
            f"exempt_user_ids: at most {MAX_EXEMPT_USERS} users", field="exempt_user_ids"
        )
    changed = change_settings(current, {"exempt_user_ids": tuple(kept)})
    return changed, [u for u in added if u in kept]


def check_channel_list(channels: list[Channel]) -> list[Channel]:
    if not channels:
        raise InvalidArgument("at least one channel is required", field="channels")
    if len(channels) > MAX_CHANNELS_PER_GROUP:
        raise InvalidArgument(
            f"at most {MAX_CHANNELS_PER_GROUP} channels per group, got {len(channels)}",
            field="channels",
        )
    ids = [c.channel_id for c in channels]
    if len(set(ids)) != len(ids):
        raise InvalidArgument("the same channel is listed twice", field="channels")
    return [c.validated(f"channels[{i}]") for i, c in enumerate(channels)]


@dataclass(frozen=True)
class GroupPolicy:
    group_id: int
    title: str
    owner_user_id: int
    enabled: bool
    suspended_reason: str
    channels: tuple[Channel, ...]
    settings: GroupSettings
    version: int
    updated_at: datetime
    # The group's linked channel; 0 for none (or never seen).
    linked_chat_id: int = 0
