"""Each internal caller's bounded share of a service: a rate of requests, kept as a token bucket
one second deep per caller and replica. A caller over it is answered RESOURCE_EXHAUSTED with a
`google.rpc.QuotaFailure` naming it and a `google.rpc.RetryInfo` saying when a call will be let
through again. GMBot's own services (the shared AUTH_TOKEN, the `gateway` and `budget` scopes)
and health probes have no quota: their work is what the quotas protect.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from prometheus_client import Counter
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from gmbot.runtime.callers import Caller

QUOTA_REJECTIONS = Counter(
    "gmbot_grpc_quota_rejections_total",
    "Calls refused because their caller was over its quota (CALLER_QUOTAS), by caller.",
    ["caller"],
)
_ENTRY = re.compile(r"^([a-z0-9][a-z0-9_.-]{0,62})=(\d+(?:\.\d+)?)$")


def parse_quotas(text: str | None) -> dict[str, float]:
    """`NAME=RATE` entries separated by `;` or new lines: requests a second per caller."""
    quotas: dict[str, float] = {}
    for raw in re.split(r"[;\n]", text or ""):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if match is None or float(match.group(2)) <= 0:
            raise ValueError(
                f"{entry!r}: expected NAME=RATE, a caller of AUTH_CALLERS and its requests a "
                "second (above 0), e.g. reports=10"
            )
        quotas[match.group(1)] = float(match.group(2))
    return quotas


class QuotaSettings(BaseSettings):
    """How much each internal caller may ask of one replica of a service."""

    # Requests a second any caller of AUTH_CALLERS may make, unless CALLER_QUOTAS names it.
    caller_quota_per_second: float = Field(default=50.0, gt=0, le=100_000)
    # `NAME=RATE;...`: callers with a rate of their own (requests a second).
    caller_quotas: str | None = None

    @field_validator("caller_quotas")
    @classmethod
    def _quotas_parse(cls, value: str | None) -> str | None:
        parse_quotas(value)
        return value

    def quotas(self) -> CallerQuotas:
        return CallerQuotas(self.caller_quota_per_second, parse_quotas(self.caller_quotas))


class _Bucket:
    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = max(1.0, rate)  # a second's worth, at least one call
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a call may go (and took its token); else seconds until one may."""
        depth = max(1.0, self.rate)
        self.tokens = min(depth, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class CallerQuotas:
    """The token buckets of this replica's callers."""

    def __init__(
        self,
        default: float,
        rates: Mapping[str, float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._default = default
        self._rates = dict(rates)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def rate_of(self, caller: Caller) -> float | None:
        """The caller's requests a second; None when it has no quota."""
        if caller.own:
            return None
        return self._rates.get(caller.name, self._default)

    def retry_after(self, caller: Caller) -> float:
        """0 when the caller may call now (counted); else seconds until it may."""
        rate = self.rate_of(caller)
        if rate is None:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(caller.name)
        if bucket is None:
            bucket = self._buckets[caller.name] = _Bucket(rate, now)
        wait = bucket.take(now)
        if wait > 0:
            QUOTA_REJECTIONS.labels(caller.name).inc()
        return wait
