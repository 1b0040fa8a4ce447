"""A group's settings, and the one schema of them for every way an owner changes them (the
panel's buttons, `/settings name value`, the Mini App's form): each setting's kind, the values to
choose from (or a number's presets), and which values remove people, so that each way asks
before those alike.

A setting is added here once: a field of `GroupSettings` named as in tenancy.proto, its type, its
zero value and how owners choose it (`_how`). The wire mapping (clients/wire.py) carries it by
name."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import IntEnum, StrEnum
from typing import Any, cast, get_type_hints

from gmbot.gateway.domain.choices import EnforcementAction, GroupMode, UnknownPolicy
from gmbot.gateway.texts import LANGUAGES


class Kind(StrEnum):
    CHOICE = "choice"  # one of `choices`
    NUMBER = "number"  # a whole number; `choices` are presets
    TEXT = "text"
    USERS = "users"  # a list of user ids
    CHAT = "chat"  # a chat, chosen with Telegram's chat picker (flows/log_chat.py); 0 for none


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    choices: tuple[object, ...] = ()
    # The choices that remove people from the group, and for a number the least that does.
    removing: frozenset[object] = frozenset()
    removes_from: int | None = None
    # The field's type: bool, int, str, an enumeration, or a tuple for a list.
    value_type: Any = object

    def removes_people(self, value: object) -> bool:
        if value in self.removing:
            return True
        return (
            self.removes_from is not None
            and isinstance(value, int)
            and (value >= self.removes_from)
        )

    def cast(self, value: object) -> object:
        """`value` as this setting's type; ValueError for a value of another type or one the
        contract cannot carry (tenancy judges the rest: ranges, languages, placeholders)."""
        enumeration = self.enumeration
        if enumeration is not None and type(value) is not bool and value in list(enumeration):
            return enumeration(cast(int, value))
        if self.value_type in (bool, str) and type(value) is self.value_type:
            return value
        # A chat id is an int64, negative for groups and channels; numbers are uint32.
        numbers = _INT64 if self.kind is Kind.CHAT else _UINT32
        if self.value_type is int and type(value) is int and value in numbers:
            return value
        if self.kind is Kind.USERS and isinstance(value, tuple | list):
            users = tuple(value)
            if all(type(user) is int and user in _INT64 for user in users):
                return users
        raise ValueError(f"{self.name} cannot be {value!r}")

    def holds(self, value: object) -> bool:
        """Whether `value` is one this setting can hold (Setting.cast)."""
        try:
            self.cast(value)
        except ValueError:
            return False
        return True

    @property
    def enumeration(self) -> type[IntEnum] | None:
        """The enumeration the value is one of, for an enumerated setting."""
        is_enum = isinstance(self.value_type, type) and issubclass(self.value_type, IntEnum)
        return self.value_type if is_enum else None


_HOW = "setting"
# What tenancy.proto's number fields carry: uint32, and int64 user ids.
_UINT32 = range(2**32)
_INT64 = range(-(2**63), 2**63)


def _how(kind: Kind, choices: tuple[object, ...] = (), **more: Any) -> dict[str, Setting]:
    """A GroupSettings field's metadata: how owners choose the setting."""
    return {_HOW: Setting("", kind, choices, **more)}


@dataclass(frozen=True)
class GroupSettings:
    """Per-group settings, named as tenancy.proto names them, in the order owners see them. A
    field not set holds the contract's zero value (tenancy stores its default instead)."""

    mode: GroupMode = field(
        default=GroupMode.UNSPECIFIED,
        metadata=_how(Kind.CHOICE, (GroupMode.ENFORCE, GroupMode.OBSERVE)),
    )
    action: EnforcementAction = field(
        default=EnforcementAction.UNSPECIFIED,
        metadata=_how(
            Kind.CHOICE,
            (EnforcementAction.MUTE, EnforcementAction.KICK, EnforcementAction.DELETE_ONLY),
            removing=frozenset({EnforcementAction.KICK}),
        ),
    )
    warning_ttl_seconds: int = field(
        default=0, metadata=_how(Kind.NUMBER, (60, 300, 900, 3600, 86_400))
    )
    kick_after_minutes: int = field(
        default=0, metadata=_how(Kind.NUMBER, (0, 10, 60, 1440), removes_from=1)
    )
    on_unknown: UnknownPolicy = field(
        default=UnknownPolicy.UNSPECIFIED,
        metadata=_how(Kind.CHOICE, (UnknownPolicy.ALLOW, UnknownPolicy.DELETE_MESSAGE)),
    )
    gate_join_requests: bool = field(default=False, metadata=_how(Kind.CHOICE, (False, True)))
    check_on_join: bool = field(default=False, metadata=_how(Kind.CHOICE, (True, False)))
    ban_sender_chat: bool = field(default=False, metadata=_how(Kind.CHOICE, (True, False)))
    channels_approve_joins: bool = field(default=False, metadata=_how(Kind.CHOICE, (False, True)))
    pending_request_counts_as_joined: bool = field(
        default=False, metadata=_how(Kind.CHOICE, (False, True))
    )
    language: str = field(default="", metadata=_how(Kind.CHOICE, LANGUAGES))
    # A text is written in reply to a prompt; its one choice is the built-in text.
    warning_text: str = field(default="", metadata=_how(Kind.TEXT, ("",)))
    exempt_user_ids: tuple[int, ...] = field(default=(), metadata=_how(Kind.USERS))
    log_chat_id: int = field(default=0, metadata=_how(Kind.CHAT))


_TYPES = get_type_hints(GroupSettings)
SCHEMA: dict[str, Setting] = {
    f.name: replace(f.metadata[_HOW], name=f.name, value_type=_TYPES[f.name])
    for f in fields(GroupSettings)
}
# The settings a tap chooses a value of.
CHOSEN = tuple(name for name, s in SCHEMA.items() if s.kind in (Kind.CHOICE, Kind.NUMBER))
# The settings only a chat picker sets (the bot must be able to post there): never typed as a
# number, in a command or in a form.
PICKED = frozenset(name for name, s in SCHEMA.items() if s.kind is Kind.CHAT)
# Names owners type for a setting besides its own.
ALIASES = {"log_chat": "log_chat_id"}


def change(values: dict[str, object]) -> GroupSettings:
    """Settings with only the named ones set (a change of those); ValueError for a name that is
    no setting or a value it cannot hold (Setting.cast)."""
    unknown = set(values) - set(SCHEMA)
    if unknown:
        raise ValueError(f"not a setting: {', '.join(sorted(unknown))}")
    cast: dict[str, Any] = {name: SCHEMA[name].cast(value) for name, value in values.items()}
    return replace(GroupSettings(), **cast)


def only(name: str, value: object) -> GroupSettings:
    """Settings with only `name` set, to `value` (a change of that one)."""
    return change({name: value})


def removes_people(settings: GroupSettings, name: str) -> bool:
    """Whether the value of `name` in `settings` (a change being made) removes people."""
    return name in SCHEMA and SCHEMA[name].removes_people(getattr(settings, name))
