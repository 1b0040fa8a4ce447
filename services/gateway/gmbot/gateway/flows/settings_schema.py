"""One schema of a group's settings, for every way an owner changes them (the panel's buttons,
`/settings name value`, a settings form): each setting's kind, the values to choose from (or a
number's presets), and which values remove people, so that each way asks before those alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gmbot.gateway.texts import LANGUAGES
from gmbot.v1 import tenancy_pb2 as tenancy


class Kind(StrEnum):
    CHOICE = "choice"  # one of `choices`
    NUMBER = "number"  # a whole number; `choices` are presets
    TEXT = "text"
    USERS = "users"  # a list of user ids


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    choices: tuple[object, ...] = ()
    # The choices that remove people from the group, and for a number the least that does.
    removing: frozenset[object] = frozenset()
    removes_from: int | None = None

    def removes_people(self, value: object) -> bool:
        if value in self.removing:
            return True
        return (
            self.removes_from is not None
            and isinstance(value, int)
            and (value >= self.removes_from)
        )


# In the order owners see them.
SCHEMA: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        Setting("mode", Kind.CHOICE, (tenancy.GROUP_MODE_ENFORCE, tenancy.GROUP_MODE_OBSERVE)),
        Setting(
            "action",
            Kind.CHOICE,
            (
                tenancy.ENFORCEMENT_ACTION_MUTE,
                tenancy.ENFORCEMENT_ACTION_KICK,
                tenancy.ENFORCEMENT_ACTION_DELETE_ONLY,
            ),
            removing=frozenset({tenancy.ENFORCEMENT_ACTION_KICK}),
        ),
        Setting("warning_ttl_seconds", Kind.NUMBER, (60, 300, 900, 3600, 86_400)),
        Setting("kick_after_minutes", Kind.NUMBER, (0, 10, 60, 1440), removes_from=1),
        Setting(
            "on_unknown",
            Kind.CHOICE,
            (tenancy.UNKNOWN_POLICY_ALLOW, tenancy.UNKNOWN_POLICY_DELETE_MESSAGE),
        ),
        Setting("gate_join_requests", Kind.CHOICE, (False, True)),
        Setting("check_on_join", Kind.CHOICE, (True, False)),
        Setting("ban_sender_chat", Kind.CHOICE, (True, False)),
        Setting("language", Kind.CHOICE, LANGUAGES),
        Setting("warning_text", Kind.TEXT),
        Setting("exempt_user_ids", Kind.USERS),
    )
}
# The settings a tap chooses a value of.
CHOSEN = tuple(name for name, s in SCHEMA.items() if s.kind in (Kind.CHOICE, Kind.NUMBER))


def removes_people(settings: tenancy.GroupSettings, name: str) -> bool:
    """Whether the value of `name` in `settings` (a change being made) removes people."""
    return name in SCHEMA and SCHEMA[name].removes_people(getattr(settings, name))
