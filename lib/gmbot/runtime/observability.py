"""Sentry error reporting, on only when a DSN is configured, and the scrubbing that keeps secrets
out of error reports and logs.

What a captured exception carries is the caller's business: aiogram's request URL holds the bot
token, the gRPC interceptor's metadata holds the bearer token. So Sentry gets no local variables,
and every event, breadcrumb and log line is scrubbed of the secrets this process knows (its
settings' SecretStr values and URL passwords) and of anything shaped like one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import structlog
from pydantic import BaseModel, SecretStr

if TYPE_CHECKING:
    from sentry_sdk.transport import Transport

REDACTED = "[redacted]"
# Secrets shorter than this are not searched for: they would match ordinary words.
_MIN_SECRET_LENGTH = 8
# Shaped like a secret whatever its value: a bot token (<bot id>:<35 characters>), a bearer
# credential, the password of a URL (postgresql://user:password@host).
_PATTERNS = (
    (re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer)(\s+)[^\s'\",;]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@'\"]*:)[^\s@/'\"]+@"), rf"\1{REDACTED}@"),
)
# Values under these keys are secret, whatever they look like.
_SECRET_KEY = re.compile(
    r"(?i)(authorization|password|passwd|secret|token|dsn|signing_key|api_key|cookie)"
)


def _credentials(url: str, *, with_username: bool) -> list[str]:
    """The password of a URL (and its user name, which is a DSN's key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    return [p for p in (parts.username if with_username else None, parts.password) if p]


def _secret_and_parts(raw: str) -> list[str]:
    return [raw, *(_credentials(raw, with_username=True) if "://" in raw else [])]


def secrets_of(settings: BaseModel) -> list[str]:
    """Every secret a service's settings hold: SecretStr values (and a DSN's key), URL passwords."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found += _secret_and_parts(value.get_secret_value())
        elif isinstance(value, str) and "://" in value:
            found += _credentials(value, with_username=False)
    return found


class Redactor:
    """Replaces known secrets, and whatever looks like one, in text and nested data."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted(known, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes | bytearray):
            return self.text(bytes(value).decode("utf-8", "replace"))
        if isinstance(value, Mapping):
            return {
                key: REDACTED
                if isinstance(key, str) and _SECRET_KEY.search(key) and value[key]
                else self.data(value[key])
                for key in value
            }
        if isinstance(value, list | tuple | set | frozenset):
            return [self.data(item) for item in value]
        return value

    def event(self, event: Any, _hint: Any) -> Any:
        """Sentry's before_send: the whole event, scrubbed."""
        return self.data(event)

    def breadcrumb(self, crumb: Any, _hint: Any) -> Any:
        """Sentry's before_breadcrumb."""
        return self.data(crumb)

    def processor(
        self, _logger: object, _method: str, event: structlog.typing.EventDict
    ) -> structlog.typing.EventDict:
        """A structlog processor: the log line, scrubbed (after exceptions were formatted)."""
        return {key: self.data(value) for key, value in event.items()}


def init_sentry(
    dsn: SecretStr | None,
    *,
    service: str,
    environment: str,
    secrets: Iterable[str] = (),
    transport: Transport | None = None,
) -> bool:
    """Starts Sentry when `dsn` is set; returns whether it did.

    `secrets` are scrubbed from every event and breadcrumb (the DSN itself always is);
    `transport` replaces the HTTP one (tests record events with it).
    """
    if dsn is None:
        return False
    # Imported only to report: about 4 MiB a process that reports nowhere does without.
    import sentry_sdk

    redactor = Redactor([*secrets, *_secret_and_parts(dsn.get_secret_value())])
    sentry_sdk.init(
        dsn=dsn.get_secret_value(),
        environment=environment,
        server_name=service,
        # Updates carry members' messages; they stay out of error reports.
        send_default_pii=False,
        # Locals hold tokens (aiogram's request URL, the gRPC call's metadata).
        include_local_variables=False,
        before_send=redactor.event,
        before_breadcrumb=redactor.breadcrumb,
        traces_sample_rate=0.0,
        transport=transport,
    )
    sentry_sdk.set_tag("service", service)
    return True


def report_exception() -> None:
    """Sends the exception being handled to Sentry. Sentry not imported is Sentry not started
    (init_sentry imports it): then there is nowhere to send it."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is not None:
        sentry_sdk.capture_exception()
