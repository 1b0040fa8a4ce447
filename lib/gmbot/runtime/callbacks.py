"""Signed callback data: the "I have joined" button, and the owners' buttons.

Enforcement puts the "I have joined" button on a warning; the gateway accepts a press only when
the signature holds and the presser is the member it was made for. The owners' buttons (/muted,
/status) name a group, an action and a value; a press counts only when the signature holds and
the presser administers that group. Telegram limits callback_data to 64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

PREFIX = "v1"
OWNER_PREFIX = "o1"
_SIGNATURE_BYTES = 12
MAX_CALLBACK_DATA = 64
# What `sign` makes, and nothing else: ASCII only, ids as plain decimal numbers.
_SIGNED = re.compile(rf"\A{PREFIX}:(-?[0-9]{{1,20}}):([0-9]{{1,20}}):([A-Za-z0-9_-]{{1,32}})\Z")
_SIGNED_OWNER = re.compile(
    rf"\A{OWNER_PREFIX}:([A-Za-z]{{1,3}}):(-?[0-9]{{1,20}}):(-?[0-9]{{1,20}}):([A-Za-z0-9_-]{{1,32}})\Z"
)


@dataclass(frozen=True)
class VerifyButton:
    group_id: int
    user_id: int


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, button: VerifyButton) -> str:
    body = f"{PREFIX}:{button.group_id}:{button.user_id}"
    data = f"{body}:{_signature(key, body)}"
    if len(data.encode()) > MAX_CALLBACK_DATA:  # pragma: no cover - ids are bounded
        raise ValueError("callback data over Telegram's 64 bytes")
    return data


def verify(key: bytes, data: str) -> VerifyButton | None:
    """The button, or None when the data is not ours or was tampered with.

    Callback data comes from strangers: whatever it holds (non-ASCII text, lone surrogates,
    huge numbers), the answer is None, never an exception.
    """
    if len(data) > MAX_CALLBACK_DATA or not data.isascii():
        return None
    match = _SIGNED.match(data)
    if match is None:
        return None
    group_id, user_id, signature = match.groups()
    body = f"{PREFIX}:{group_id}:{user_id}"
    if not hmac.compare_digest(signature.encode(), _signature(key, body).encode()):
        return None
    return VerifyButton(group_id=int(group_id), user_id=int(user_id))


@dataclass(frozen=True)
class OwnerButton:
    """A button only the group's administrators may press: `action` is a short code the gateway
    gives meaning to (unmute, exempt, a page, ...), `value` a user id or a number."""

    action: str
    group_id: int
    value: int


# The Undo under a line of a group's log chat (enforcement writes it, the gateway answers it):
# lift what GMBot imposed on the member and exempt them, as an administrator's unmute does.
LOG_UNDO = "lu"
# The same under a line of a message deleted (the member exempted) and of a removal (the member
# exempted and unbanned, so they may come back).
LOG_UNDO_DELETE = "ld"
LOG_UNDO_KICK = "lk"
LOG_UNDOS = frozenset({LOG_UNDO, LOG_UNDO_DELETE, LOG_UNDO_KICK})


def sign_owner(key: bytes, button: OwnerButton) -> str:
    if not button.action.isalpha() or not 0 < len(button.action) <= 3:
        raise ValueError("an owner button's action is 1-3 letters")
    body = f"{OWNER_PREFIX}:{button.action}:{button.group_id}:{button.value}"
    data = f"{body}:{_signature(key, body)}"
    if len(data.encode()) > MAX_CALLBACK_DATA:  # pragma: no cover - ids are bounded
        raise ValueError("callback data over Telegram's 64 bytes")
    return data


def verify_owner(key: bytes, data: str) -> OwnerButton | None:
    """The owner button, or None when the data is not one or was tampered with."""
    if len(data) > MAX_CALLBACK_DATA or not data.isascii():
        return None
    match = _SIGNED_OWNER.match(data)
    if match is None:
        return None
    action, group_id, value, signature = match.groups()
    body = f"{OWNER_PREFIX}:{action}:{group_id}:{value}"
    if not hmac.compare_digest(signature.encode(), _signature(key, body).encode()):
        return None
    return OwnerButton(action=action, group_id=int(group_id), value=int(value))


# The observe digest's "Go live" button: enforcement sends it in private, the gateway answers
# it. Only a press by an administrator of the group changes anything, so it carries no signature.
GO_LIVE_PREFIX = "live"
_GO_LIVE = re.compile(rf"\A{GO_LIVE_PREFIX}:(-[0-9]{{1,20}})\Z")


def go_live(group_id: int) -> str:
    return f"{GO_LIVE_PREFIX}:{group_id}"


def go_live_group(data: str) -> int | None:
    """The group of a "Go live" button's data; None for any other data."""
    match = _GO_LIVE.match(data)
    return None if match is None else int(match.group(1))
