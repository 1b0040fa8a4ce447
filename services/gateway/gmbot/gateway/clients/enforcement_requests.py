"""The parts enforcement's action requests share: the action on one member every such request
starts with, the warning a member is sent, and the observation that records instead of acting."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from gmbot.v1 import enforcement_pb2 as pb

if TYPE_CHECKING:
    from gmbot.gateway.clients.enforcement import MemberWarning, Observation, Reason

R = TypeVar("R")


def warning_spec(warning: MemberWarning | None) -> pb.WarningSpec | None:
    if warning is None:
        return None
    return pb.WarningSpec(
        language=warning.language,
        custom_text=warning.custom_text,
        user_display_name=warning.user_display_name,
        group_title=warning.group_title,
        join_buttons=[
            pb.JoinButton(
                text=b.text,
                url=b.url,
                channel_id=b.channel_id,
                creates_join_request=b.creates_join_request,
            )
            for b in warning.join_buttons
        ],
        ttl_seconds=warning.ttl_seconds,
        message_thread_id=warning.message_thread_id,
        reply_to_message_id=warning.reply_to_message_id,
        private_view_url=warning.private_view_url,
        log_chat_id=warning.log_chat_id,
    )


def observation(observe: Observation | None) -> pb.Observation | None:
    if observe is None:
        return None
    recipients = observe.digest_user_ids
    return pb.Observation(
        # The first (the owner) in the field 0.1.0 reads too: during a rolling upgrade an old
        # enforcement replica still sends the owner's digest; a new one counts them once.
        digest_user_id=recipients[0] if recipients else 0,
        digest_user_ids=recipients,
        language=observe.language,
        group_title=observe.group_title,
        digest_languages=observe.digest_languages,
    )


def on_member(
    request: Callable[..., R], key: str, group_id: int, user_id: int, reason: Reason, **more: Any
) -> R:
    """An action's request on one member, as every such request starts; `more` is the rest."""
    return request(
        idempotency_key=key,
        group_id=group_id,
        user_id=user_id,
        reason=pb.ActionReason.ValueType(reason),
        **more,
    )
