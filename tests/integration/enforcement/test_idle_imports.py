"""What enforcement leaves unloaded until its configuration asks for it (README, "Memory"):
redis-py without REDIS_URL, PostgreSQL's dialect beside SQLite, OpenTelemetry's SDK while
tracing is off, alembic outside `migrate`. Checked in a fresh interpreter, as a service starts."""

from __future__ import annotations

import subprocess
import sys

_LOADED = """
import sys
from gmbot.runtime.aiogram_types import import_aiogram
import_aiogram()
import gmbot.enforcement.__main__, gmbot.enforcement.app
roots = ("redis", "sqlalchemy.dialects.postgresql", "opentelemetry.sdk", "alembic", "asyncpg")
print(sorted({root for root in roots for name in sys.modules if name.startswith(root)}))
print("gmbot.enforcement.app" in sys.modules)
"""


def test_serving_code_loads_none_of_what_only_a_configuration_needs() -> None:
    found = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", _LOADED], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert found[:2] == ["[]", "True"]
