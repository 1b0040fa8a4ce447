"""Telegram Mini App launch data (initData): checked by the gateway on every call of the Mini
App's API, and signed by the dev launcher (and the tests), which stand in for Telegram.

secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token); the hash is
hex(HMAC_SHA256(secret_key, data_check_string)), where the data-check-string is every field but
`hash`, as key=value, sorted by key, joined by newlines (TELEGRAM.md, "Mini Apps"). `signature`
(Telegram's Ed25519 signature for third parties) is one of those fields, so it is covered too."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

# A query string of a few fields; anything longer is no launch data of Telegram's.
MAX_INIT_DATA = 4096


class InitDataRefused(Exception):
    """The launch data is not Telegram's for this bot, or too old; the message says which."""


@dataclass(frozen=True)
class Viewer:
    """Who opened the Mini App, as the signed launch data says."""

    user_id: int
    first_name: str
    language_code: str
    auth_date: int


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _hash(bot_token: str, fields: dict[str, str]) -> str:
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    return hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()


def sign_init_data(bot_token: str, user: dict[str, object], auth_date: int) -> str:
    """Launch data as Telegram makes it for `user` (what Telegram puts in tgWebAppData)."""
    fields = {
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(auth_date),
        "query_id": f"gmbot-{user['id']}-{auth_date}",
    }
    return urlencode({**fields, "hash": _hash(bot_token, fields)})


def check_init_data(init_data: str, bot_token: str, now: float, max_age: float) -> Viewer:
    """The viewer, when `init_data` is this bot's, signed by Telegram at most `max_age` seconds
    before `now`; InitDataRefused otherwise."""
    if not init_data or len(init_data) > MAX_INIT_DATA:
        raise InitDataRefused("no launch data")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused("launch data is no query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("a field is repeated")
    given = fields.get("hash", "")
    if not hmac.compare_digest(given.encode(), _hash(bot_token, fields).encode()):
        raise InitDataRefused("wrong signature")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, TypeError, ValueError):
        raise InitDataRefused("signed, but without a user or auth_date") from None
    # A little slack for clocks: Telegram's servers and ours are not the same clock.
    if not now - max_age <= auth_date <= now + 60:
        raise InitDataRefused("launch data too old")
    return Viewer(
        user_id,
        str(user.get("first_name", "")),
        str(user.get("language_code", "")),
        auth_date,
    )
