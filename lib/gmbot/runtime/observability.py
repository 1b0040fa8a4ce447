"""Sentry error reporting, on only when a DSN is configured."""

from __future__ import annotations

import sentry_sdk
from pydantic import SecretStr


def init_sentry(dsn: SecretStr | None, *, service: str, environment: str) -> bool:
    """Starts Sentry when `dsn` is set; returns whether it did."""
    if dsn is None:
        return False
    sentry_sdk.init(
        dsn=dsn.get_secret_value(),
        environment=environment,
        server_name=service,
        # Updates carry members' messages; they stay out of error reports.
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
    sentry_sdk.set_tag("service", service)
    return True
