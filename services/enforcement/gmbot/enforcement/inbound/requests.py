"""Requests read into the domain's terms: every field checked, and refused with the field named
(INVALID_ARGUMENT) before anything is recorded."""

from __future__ import annotations

from typing import Any

from gmbot.enforcement.domain.actions import (
    JoinButton,
    JoinDecision,
    MemberAction,
    Observation,
    WarningSpec,
)
from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import (
    check_supergroup_id,
    check_user_id,
    is_basic_group_id,
    is_supergroup_id,
)
from gmbot.v1 import enforcement_pb2 as pb

MAX_KEY = 200
MAX_BUTTONS = 10
# Digests per observation: each is a scheduled action, so a long list of recipients is cut here.
DIGEST_RECIPIENTS = 20
GROUP_RELEASES = frozenset({pb.ACTION_REASON_UNPROTECTED, pb.ACTION_REASON_SUSPENDED})
MEMBER_ACTIONS = {
    pb.MEMBER_ACTION_MUTE: MemberAction.MUTE,
    pb.MEMBER_ACTION_KICK: MemberAction.KICK,
    pb.MEMBER_ACTION_DELETE_ONLY: MemberAction.DELETE_ONLY,
}
DECISIONS = {
    pb.JOIN_DECISION_APPROVE: JoinDecision.APPROVE,
    pb.JOIN_DECISION_DECLINE: JoinDecision.DECLINE,
    pb.JOIN_DECISION_WAIT: JoinDecision.WAIT,
}
_REASONS = {
    value.number: value.name.removeprefix("ACTION_REASON_").lower()
    for value in pb.ActionReason.DESCRIPTOR.values
}


def text(value: str, field: str) -> str:
    """PostgreSQL stores no NUL character: refused here, where the caller can be told which."""
    if "\x00" in value:
        raise InvalidArgument(f"{field} contains a NUL character", field=field)
    return value


def key(value: str) -> str:
    if not 0 < len(value) <= MAX_KEY:
        raise InvalidArgument(
            f"idempotency_key must be 1..{MAX_KEY} characters", field="idempotency_key"
        )
    return text(value, "idempotency_key")


def reason(value: int) -> str:
    return _REASONS.get(value, "unspecified")


def member(group_id: int, user_id: int) -> None:
    check_supergroup_id(group_id, "group_id")
    check_user_id(user_id, "user_id")


def limit(value: int, default: int, most: int) -> int:
    """A page's size: `default` when unset, refused outside 1..`most`."""
    chosen = value or default
    if not 0 < chosen <= most:
        raise InvalidArgument(f"limit must be 1..{most}", field="limit")
    return chosen


def _buttons(warning: pb.WarningSpec) -> tuple[JoinButton, ...]:
    if len(warning.join_buttons) > MAX_BUTTONS:
        raise InvalidArgument(f"at most {MAX_BUTTONS} join buttons", field="warning.join_buttons")
    for button in warning.join_buttons:
        if not button.url.startswith("https://t.me/") or not 0 < len(button.text) <= 64:
            raise InvalidArgument(
                "join buttons need a 1..64 character text and an https://t.me/ url",
                field="warning.join_buttons",
            )
    for button in warning.join_buttons:
        if button.channel_id:
            check_supergroup_id(button.channel_id, "warning.join_buttons.channel_id")
    return tuple(
        JoinButton(
            text(b.text, "warning.join_buttons.text"),
            text(b.url, "warning.join_buttons.url"),
            b.channel_id,
            b.creates_join_request,
        )
        for b in warning.join_buttons
    )


def _log_chat(chat_id: int) -> int:
    if chat_id and not (is_supergroup_id(chat_id) or is_basic_group_id(chat_id)):
        raise InvalidArgument(
            f"warning.log_chat_id must be a channel or group id, got {chat_id}",
            field="warning.log_chat_id",
        )
    return chat_id


def spec(warning: pb.WarningSpec) -> WarningSpec:
    buttons = _buttons(warning)
    if warning.private_view_url and not warning.private_view_url.startswith("https://t.me/"):
        raise InvalidArgument(
            "warning.private_view_url must be an https://t.me/ link",
            field="warning.private_view_url",
        )
    ttl = warning.ttl_seconds or 300
    if not 10 <= ttl <= 86_400:
        raise InvalidArgument("warning.ttl_seconds must be 10..86400", field="warning.ttl_seconds")
    return WarningSpec(
        language=text(warning.language or "en", "warning.language"),
        custom_text=text(warning.custom_text, "warning.custom_text"),
        user_display_name=text(warning.user_display_name, "warning.user_display_name"),
        group_title=text(warning.group_title, "warning.group_title"),
        join_buttons=buttons,
        ttl_seconds=ttl,
        message_thread_id=warning.message_thread_id,
        reply_to_message_id=warning.reply_to_message_id,
        private_view_url=text(warning.private_view_url, "warning.private_view_url"),
        log_chat_id=_log_chat(warning.log_chat_id),
    )


def observation(request: Any) -> Observation | None:
    """The request's observe mode, if it asks for it. The deprecated single recipient counts as
    one more; repeats and 0 are left out, and at most DIGEST_RECIPIENTS are told."""
    if not request.HasField("observe"):
        return None
    observe = request.observe
    recipients = [observe.digest_user_id, *observe.digest_user_ids]
    for user_id in recipients:
        if user_id:
            check_user_id(user_id, "observe.digest_user_ids")
    told = tuple(dict.fromkeys(u for u in recipients if u))[:DIGEST_RECIPIENTS]
    # Each recipient's own language, as digest_languages pairs them with digest_user_ids.
    spoken = dict(zip(observe.digest_user_ids, observe.digest_languages, strict=False))
    return Observation(
        digest_user_ids=told,
        language=observe.language or "en",
        group_title=observe.group_title,
        digest_languages=tuple(text(spoken.get(u, ""), "observe.digest_languages") for u in told),
    )
