"""The settings panel's pieces: what a view is and what a press answers, and the callback
data of its buttons.

In a group, "set:<setting>:<policy version>" opens the setting's choices (the group is the chat
the panel is in); in private, the same after "sp:<group id>:". Then ":<choice>" chooses one: its
index, "n<number>" for a number typed in answer to the prompt that ":t" asks for, "s<message
id>" for the text typed in that message; for a list of people "r<user id>" takes one off and
"a" asks whom to add. ":y" after that confirms a value that removes people. "<setting>" is "-"
to go back to the panel. Telegram allows 64 bytes: the longest, a private removal from the
exempt list, is under 60."""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.domain.settings import CHOSEN, SCHEMA, Kind, Setting

PREFIX = "set:"
PRIVATE_PREFIX = "sp:"
BACK = "-"
CONFIRMED = "y"
TYPE = "t"
TYPED = "n"
SAVE = "s"
# A list of people: "r<user id>" takes one off, "a" asks whom to add.
REMOVE = "r"
ADD = "a"
# The settings the panel has a button for: the chosen ones, the texts written in a reply, and
# the lists of people.
EDITED = tuple(name for name, s in SCHEMA.items() if s.kind in (Kind.TEXT, Kind.USERS))
PANEL = CHOSEN + EDITED


@dataclass(frozen=True)
class Panel:
    """The panel's text (HTML) and its buttons: rows of (text, callback data)."""

    text: str
    rows: list[list[tuple[str, str]]]


@dataclass(frozen=True)
class PressAnswer:
    """What a press shows: a short note on the button, and the panel drawn again (or None).
    `by_admin`: an administrator pressed (anyone else's press waits behind enforcement)."""

    note: str
    panel: Panel | None
    by_admin: bool = False
    # A message to send that asks the presser to type the value in reply (a ForceReply).
    prompt: str = ""
    # A message to send in private with a people picker (KeyboardButtonRequestUsers).
    pick_people: str = ""


@dataclass(frozen=True)
class Asked:
    """Who a prompt asks (the presser), for which group, and whether in private."""

    user_id: int
    group_id: int
    in_private: bool


@dataclass(frozen=True)
class TypedAnswer:
    """A message sent in reply to a prompt: where (the chat, the prompt's id and text), and
    what was typed in which message."""

    chat_id: int
    prompt_id: int
    prompt_text: str
    message_id: int
    text: str


@dataclass(frozen=True)
class Press:
    """A panel button: the setting (or BACK), the version it was drawn at, the choice made
    (None: the choices are asked for), whether a removing value was confirmed, and the group
    (None: the chat the panel is in)."""

    name: str
    version: int
    # An index into the setting's choices, TYPED + a number, SAVE + a message id, or TYPE.
    choice: str | None = None
    confirmed: bool = False
    group_id: int | None = None

    @property
    def value(self) -> object:
        if self.choice is not None and self.choice.startswith(TYPED):
            return int(self.choice.removeprefix(TYPED))
        return SCHEMA[self.name].choices[int(self.choice or 0)]

    @property
    def saved_message(self) -> int | None:
        """The message whose text is saved, for SAVE."""
        if self.choice is None or not self.choice.startswith(SAVE):
            return None
        return int(self.choice.removeprefix(SAVE))


def scope(group_id: int | None) -> str:
    """What the data of a panel starts with: in the group (None), or in private for `group_id`."""
    return PREFIX if group_id is None else f"{PRIVATE_PREFIX}{group_id}:"


def data(where: str, name: str, version: int, *more: object) -> str:
    return where + ":".join(str(part) for part in (name, version, *more))


def is_panel_data(text: str) -> bool:
    return text.startswith((PREFIX, PRIVATE_PREFIX))


def parse(text: str) -> Press | None:
    group_id: int | None = None
    if text.startswith(PRIVATE_PREFIX):
        group, _, text = text.removeprefix(PRIVATE_PREFIX).partition(":")
        if not group.removeprefix("-").isdigit():
            return None
        group_id, text = int(group), PREFIX + text
    if not text.startswith(PREFIX):
        return None
    parts = text.removeprefix(PREFIX).split(":")
    if not 2 <= len(parts) <= 4:
        return None
    name, version, *more = parts
    if (name != BACK and name not in PANEL) or not version.isdigit():
        return None
    if not more:
        return Press(name, int(version), group_id=group_id)
    choice, *confirm = more
    if name == BACK or not _is_choice(SCHEMA[name], choice) or confirm not in ([], [CONFIRMED]):
        return None
    return Press(name, int(version), choice, confirmed=bool(confirm), group_id=group_id)


def _is_choice(setting: Setting, choice: str) -> bool:
    typed = setting.kind in (Kind.NUMBER, Kind.TEXT)
    if typed and choice == TYPE:
        return True
    if setting.kind is Kind.NUMBER and choice.startswith(TYPED):
        return choice.removeprefix(TYPED).isdigit()
    if setting.kind is Kind.TEXT and choice.startswith(SAVE):
        return choice.removeprefix(SAVE).isdigit()
    if setting.kind is Kind.USERS:
        return choice == ADD or (choice.startswith(REMOVE) and choice[1:].isdigit())
    return choice.isdigit() and int(choice) < len(setting.choices)
