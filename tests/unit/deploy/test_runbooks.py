"""Every alert carries a runbook_url to its own runbook in docs/runbooks/, and every runbook says
what the alert means, what to check and what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RUNBOOKS = ROOT / "docs" / "runbooks"


def _alerts() -> list[dict[str, Any]]:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yml").read_text())
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


ALERTS = _alerts()


@pytest.mark.parametrize("alert", ALERTS, ids=lambda a: a["alert"])
def test_every_alert_links_its_own_runbook_and_the_runbook_exists(alert: dict[str, Any]) -> None:
    url = alert["annotations"]["runbook_url"]

    assert url == f"docs/runbooks/{alert['alert']}.md"
    runbook = (ROOT / url).read_text()
    assert runbook.startswith(f"# {alert['alert']}\n")
    for section in ("**What it means.**", "**What to check.**", "**What to do.**"):
        assert section in runbook, f"{url} lacks {section}"


def test_no_runbook_is_left_without_its_alert() -> None:
    assert {p.stem for p in RUNBOOKS.glob("*.md")} == {a["alert"] for a in ALERTS}


def test_budget_saturation_intake_backlog_and_dead_letters_are_alerted() -> None:
    by_name = {a["alert"]: a["expr"] for a in ALERTS}

    assert "gmbot_telegram_budget_wait_seconds" in by_name["GMBotBudgetSaturated"]
    assert "by (job)" in by_name["GMBotBudgetSaturated"]  # one alert per consumer
    assert "gmbot_gateway_decision_seconds" in by_name["GMBotIntakeBacklog"]
    assert "gmbot_gateway_dead_letters_total" in by_name["GMBotDeadLetters"]
