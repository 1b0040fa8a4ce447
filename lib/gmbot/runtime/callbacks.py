"""Signed callback data of the "I have joined" button.

Enforcement puts the button on a warning; the gateway accepts a press only when the signature
holds and the presser is the member it was made for. Telegram limits callback_data to 64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "v1"
_SIGNATURE_BYTES = 12
MAX_CALLBACK_DATA = 64


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
    """The button, or None when the data is not ours or was tampered with."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    body = ":".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(key, body)):
        return None
    try:
        return VerifyButton(group_id=int(parts[1]), user_id=int(parts[2]))
    except ValueError:
        return None
