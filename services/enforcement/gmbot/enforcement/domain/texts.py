"""Warnings as members read them, in the group's language (gettext catalogs in locales/), with
the owner's own text if set.

Names and titles come from strangers. Everything substituted is HTML-escaped here, substituted
once (a member called "{group}" is shown as such, never expanded), and isolated with FSI/PDI
when it holds right-to-left text or direction controls, so it cannot reorder the sentence around
it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from gmbot.enforcement.domain.actions import Enforce, MemberAction, WarningSpec
from gmbot.runtime.callbacks import VerifyButton, go_live, sign
from gmbot.runtime.catalogs import RIGHT_TO_LEFT, isolated, load_catalogs
from gmbot.runtime.warning_template import fill

LOCALES = Path(__file__).parent / "locales"
_CATALOGS = load_catalogs(LOCALES, "enforcement")
MAX_MEMBERS_PER_WARNING = 8
# Telegram's limit for a message's text; an owner's text that repeats {user} could pass it.
MAX_MESSAGE_LENGTH = 4096


@dataclass(frozen=True)
class Warned:
    user_id: int
    name: str


@dataclass(frozen=True)
class Button:
    """An inline button: a link (`url`) or a press the gateway answers (`callback_data`)."""

    text: str
    url: str = ""
    callback_data: str = ""


# Rows of buttons, top to bottom (telegram.py turns them into Telegram's markup).
Keyboard = tuple[tuple[Button, ...], ...]


def text_of(language: str, key: str) -> str:
    """Warning text `key` in `language` (English when it is not one GMBot speaks)."""
    return _CATALOGS.get(language, _CATALOGS["en"]).gettext(key)


def plural_of(language: str, key: str, count: int, **values: object) -> str:
    """Text `key` in the form `count` takes in `language`, with {count} (and `values`) filled
    in."""
    catalog = _CATALOGS.get(language, _CATALOGS["en"])
    return catalog.ngettext(key, f"{key}_plural", count).format(count=count, **values)


def shown(text: str, language: str = "en") -> str:
    """A stranger's name or title, ready to go into HTML (always isolated in a right-to-left
    sentence)."""
    return escape(isolated(text, always=language in RIGHT_TO_LEFT))


def mention(member: Warned, language: str = "en") -> str:
    name = shown(member.name or str(member.user_id), language)
    return f'<a href="tg://user?id={member.user_id}">{name}</a>'


def _channel_names(spec: WarningSpec) -> str:
    return ", ".join(shown(b.text, spec.language) for b in spec.join_buttons) or "—"


def _join_rows(spec: WarningSpec) -> list[tuple[Button, ...]]:
    """A row per channel that has a link to join it by."""
    return [(Button(b.text, url=b.url),) for b in spec.join_buttons if b.url]


def warning_text(spec: WarningSpec, members: Sequence[Warned]) -> str:
    language = spec.language
    user = ", ".join(mention(m, language) for m in members)
    group = shown(spec.group_title, language)
    channels = _channel_names(spec)
    builtin = text_of(language, "warning")
    kick_after = spec.kick_after_minutes
    # The member is told when a kick is scheduled, whoever wrote the warning.
    kick = f"\n{plural_of(language, 'kick_notice', kick_after)}" if kick_after else ""
    if spec.custom_text:
        text = fill(escape(spec.custom_text), user, group, channels) + kick
        if len(text) <= MAX_MESSAGE_LENGTH:
            return text
    return fill(builtin, user, group, channels) + kick


def warning_keyboard(
    spec: WarningSpec, members: Sequence[Warned], group_id: int, signing_key: bytes
) -> Keyboard:
    language = spec.language
    rows = _join_rows(spec)
    if spec.private_view_url:
        # The way out that outlives the warning: the member's own view in private.
        rows.append((Button(text_of(language, "private_view"), url=spec.private_view_url),))
    for member in members:
        label = (
            text_of(language, "joined")
            if len(members) == 1
            else text_of(language, "joined_for").format(
                name=isolated(member.name[:24], always=language in RIGHT_TO_LEFT)
            )
        )
        data = sign(signing_key, VerifyButton(group_id=group_id, user_id=member.user_id))
        rows.append((Button(f"✅ {label}", callback_data=data),))
    return tuple(rows)


def request_notice(
    spec: WarningSpec, group_id: int, user_id: int, signing_key: bytes
) -> tuple[str, Keyboard]:
    """What a join requester is told in private: the join buttons, and a signed «I have
    joined» that approves the request at once once they have."""
    language = spec.language
    text = fill(
        text_of(language, "request"), "", shown(spec.group_title, language), _channel_names(spec)
    )
    data = sign(signing_key, VerifyButton(group_id=group_id, user_id=user_id))
    joined = Button(f"✅ {text_of(language, 'joined')}", callback_data=data)
    return text, (*_join_rows(spec), (joined,))


def removal_notice(spec: WarningSpec) -> tuple[str, Keyboard]:
    """What a member removed for not following the channels is told in private: why, and how
    to come back (the channels' buttons; the removal ends by itself a minute later)."""
    language = spec.language
    text = fill(
        text_of(language, "removed"),
        "",
        f"«{shown(spec.group_title, language)}»",
        _channel_names(spec),
    )
    return text, tuple(_join_rows(spec))


def observe_digest(language: str, group_title: str, observed: Sequence[tuple[int, Enforce]]) -> str:
    """A recipient's digest of observe mode: what GMBot would have done, from the observed
    Enforce actions (with their members)."""
    muted = {user for user, enforce in observed if enforce.action is MemberAction.MUTE}
    kicked = {user for user, enforce in observed if enforce.action is MemberAction.KICK}
    deleted = sum(1 for _, enforce in observed if enforce.message_id)
    channels = dict.fromkeys(
        button.text
        for _, enforce in observed
        if enforce.warning is not None
        for button in enforce.warning.join_buttons
    )
    # Each count on a line of its own, in the plural form it takes in the language.
    lines = [
        text_of(language, "digest").format(group=f"«{shown(group_title, language)}»"),
        plural_of(language, "digest_muted", len(muted)),
        plural_of(language, "digest_kicked", len(kicked)),
        plural_of(language, "digest_deleted", deleted),
        text_of(language, "digest_nothing_done"),
    ]
    if channels:
        names = ", ".join(shown(channel, language) for channel in channels)
        lines.append(text_of(language, "digest_channels").format(channels=names))
    lines.append(text_of(language, "digest_enforce"))
    return "\n".join(lines)


def go_live_keyboard(language: str, group_id: int) -> Keyboard:
    """The digest's one button: enforce from now on (for the group's administrators)."""
    return ((Button(text_of(language, "go_live"), callback_data=go_live(group_id)),),)
