"""What the Dockerfile's images tell a container engine about their health."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READINESS = {
    "tenancy": ["python", "-m", "gmbot.runtime.healthcheck"],
    "membership": ["python", "-m", "gmbot.runtime.healthcheck"],
    "enforcement": ["python", "-m", "gmbot.runtime.healthcheck"],
    "gateway": ["python", "-m", "gmbot.runtime.healthcheck", "--http", "/readyz"],
}


def _healthchecks() -> dict[str, list[str]]:
    """Each stage's HEALTHCHECK command (its exec form, continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    checks: dict[str, list[str]] = {}
    stage = ""
    for line in text.splitlines():
        if found := re.match(r"FROM \S+ AS (\S+)", line):
            stage = found.group(1)
        elif line.startswith("HEALTHCHECK"):
            checks[stage] = json.loads(line.split(" CMD ", 1)[1])
    return checks


def test_every_service_image_reports_readiness_as_its_health() -> None:
    # The gRPC images ask grpc.health.v1's "" (readiness, the default of the healthcheck
    # command); the gateway asked /healthz, which says only that the process answers.
    checks = _healthchecks()

    assert {stage: checks[stage] for stage in READINESS} == READINESS
