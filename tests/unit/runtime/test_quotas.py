"""Per-caller quotas decided on a clock the test holds."""

from __future__ import annotations

import pytest

from gmbot.runtime.callers import Callers, token_digest
from gmbot.runtime.quotas import CallerQuotas, parse_quotas

REPORTS = "reports-token-0123456789abcdef0123"
GATEWAY = "gateway-token-0123456789abcdef0123"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _callers() -> Callers:
    return Callers.build(
        "shared-token-0123456789abcdef",
        f"reports:membership-read:sha256:{token_digest(REPORTS)};"
        f"gateway:gateway:sha256:{token_digest(GATEWAY)}",
    )


def test_a_caller_may_spend_a_second_of_its_rate_at_once_then_its_rate() -> None:
    clock = Clock()
    quotas = CallerQuotas(50, {"reports": 8}, clock)
    reports = _callers().identify(REPORTS)
    assert reports is not None

    assert [quotas.retry_after(reports) for _ in range(8)] == [0.0] * 8
    assert quotas.retry_after(reports) == pytest.approx(0.125)
    clock.now += 0.125
    assert quotas.retry_after(reports) == 0
    assert quotas.retry_after(reports) > 0


def test_gmbots_own_services_have_no_quota() -> None:
    quotas = CallerQuotas(1, {}, Clock())
    callers = _callers()
    gateway = callers.identify(GATEWAY)
    shared = callers.identify("shared-token-0123456789abcdef")
    reports = callers.identify(REPORTS)
    assert gateway is not None
    assert shared is not None
    assert reports is not None

    assert all(quotas.retry_after(gateway) == 0 for _ in range(100))
    assert all(quotas.retry_after(shared) == 0 for _ in range(100))
    assert quotas.rate_of(reports) == 1


def test_quotas_are_read_per_caller_and_a_bad_entry_is_named() -> None:
    assert parse_quotas("reports=10; crm=2.5\n") == {"reports": 10.0, "crm": 2.5}
    assert parse_quotas(None) == {}
    with pytest.raises(ValueError, match="'crm=fast'"):
        parse_quotas("reports=10;crm=fast")
    with pytest.raises(ValueError, match="'crm=0'"):
        parse_quotas("crm=0")
