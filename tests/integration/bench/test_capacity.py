"""docs/capacity.md's figures are what bench.capacity measures today: the run the document
reports, at its sizes, against Redis and PostgreSQL, checked wherever the figure does not depend
on how busy the machine is. CPU is shown in the document, not checked here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.capacity import measure
from bench.capacity_load import Sizes
from bench.capacity_report import figures
from bench.world import StackOptions

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DOC = Path(__file__).resolve().parents[3] / "docs" / "capacity.md"
_FIGURES = re.compile(r"```json\n(.*?)\n```", re.DOTALL)


def documented() -> dict[str, Any]:
    """The figures docs/capacity.md reports: its first fenced JSON block, as the bench wrote it."""
    found = _FIGURES.search(DOC.read_text())
    assert found is not None, "docs/capacity.md has no ```json block of figures"
    return dict(json.loads(found.group(1)))


def test_the_document_reports_a_run_with_redis_and_postgres() -> None:
    doc = documented()
    assert "--redis" in doc["command"]
    assert "--postgres" in doc["command"]
    assert doc["redis"]["bytes_per_member"] > 0
    assert set(doc["postgres"]) == {"tenancy", "enforcement"}


async def test_the_documented_figures_are_measured_again(
    postgres_server_url: str, tmp_path: Path
) -> None:
    del postgres_server_url  # the bench reads the same server (TEST_DATABASE_URL or local)
    doc = documented()
    options = StackOptions(redis=True, postgres=True, log_level="WARNING")
    found = figures(await measure(Sizes(**doc["sizes"]), options, tmp_path), command="test")

    calls, were = found["bot_api_calls"], doc["bot_api_calls"]
    for phase in (
        "member message, first seen",
        "member message, known",
        "join, following",
        "join, not following",
    ):
        assert calls[phase] == were[phase], phase
    for method in ("getChatMember", "restrictChatMember"):
        assert calls["violator"][method] == were["violator"][method] == 1.0
    # Deletions are batched and warnings coalesced by the moment: a little either way.
    assert abs(calls["violator"]["total"] - were["violator"]["total"]) <= 1.0

    redis, was = found["redis"], doc["redis"]
    assert redis["commands_per_update"] == pytest.approx(was["commands_per_update"], rel=0.5)
    for figure in ("bytes_per_member", "bytes_per_group"):
        assert was[figure] / 2 <= redis[figure] <= was[figure] * 2, figure
    for database, work in found["postgres"].items():
        assert work["rows_written_per_update"] == pytest.approx(
            doc["postgres"][database]["rows_written_per_update"], rel=0.5, abs=0.2
        ), database
