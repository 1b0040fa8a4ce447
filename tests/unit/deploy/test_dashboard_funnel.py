"""The dashboard's funnel (warned -> joined -> unmuted) and intake backlog, read from what the
gateway and enforcement count; the alerts an operator is woken by for the intake, dead letters and
the budget, each with its runbook."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _panel(words: str) -> dict[str, Any]:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/gmbot.json").read_text())
    panels: list[dict[str, Any]] = dashboard["panels"]
    (panel,) = [p for p in panels if p["title"].startswith(words)]
    return panel


def _alerts() -> dict[str, dict[str, Any]]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules.yml").read_text())
    return {r["alert"]: r for group in rules["groups"] for r in group["rules"]}


def _labels(expr: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)=~?"([^"]*)"', expr))


def test_the_funnel_counts_the_gates_punishments_the_releasing_joins_and_the_releases() -> None:
    warned, joined, unmuted = (t["expr"] for t in _panel("Funnel")["targets"])

    assert "gmbot_gateway_decisions_total" in warned
    assert _labels(warned) == {"flow": "message|join", "outcome": "enforced"}
    assert "gmbot_gateway_decisions_total" in joined
    assert _labels(joined)["flow"] == "channel-member"
    # The channel-member outcome is the list of what one join did ("released,released").
    assert re.fullmatch(_labels(joined)["outcome"], "released,released")
    assert "gmbot_enforcement_actions_total" in unmuted
    assert _labels(unmuted) == {"kind": "release", "state": "done"}
    assert all("[$__range]" in expr for expr in (warned, joined, unmuted))


def test_the_intake_backlog_panel_shows_what_its_alert_fires_on() -> None:
    latency, redelivered = (t["expr"] for t in _panel("Intake backlog")["targets"])
    alert = _alerts()["GMBotIntakeBacklog"]["expr"]

    assert latency in alert
    assert "gmbot_gateway_updates_total" in redelivered
    assert _labels(redelivered) == {"outcome": "retry|busy"}


def test_intake_dead_letter_and_budget_alerts_have_runbooks() -> None:
    alerts = _alerts()

    for name in ("GMBotIntakeBacklog", "GMBotDeadLetters", "GMBotBudgetSaturated"):
        runbook = alerts[name]["annotations"]["runbook_url"]
        assert runbook == f"docs/runbooks/{name}.md"
        text = (ROOT / runbook).read_text()
        assert "**What it means.**" in text
        assert "**What to do.**" in text
