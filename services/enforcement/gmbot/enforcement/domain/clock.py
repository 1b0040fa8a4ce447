"""The one clock the ledger's moments are read from (timezone-aware, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
