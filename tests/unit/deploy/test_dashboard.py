"""Every metric the dashboard and the alerts query is one the services really export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "lib", ROOT / "services"]
# Series Prometheus derives from one metric, and the ones it makes itself.
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
_BUILT_IN = {"up"}
_METRIC = re.compile(r"\b([a-z_][a-z0-9_]*)(?=\s*[{\[(])")
_FUNCTIONS = {
    "rate",
    "irate",
    "increase",
    "sum",
    "by",
    "histogram_quantile",
    "max",
    "min",
    "avg",
    "count",
    "without",
    "on",
    "ignoring",
    "clamp_min",
    "clamp_max",
    "abs",
    "delta",
    "deriv",
    "absent",
    "topk",
    "bottomk",
    "label_replace",
    "vector",
    "scalar",
    "time",
    "offset",
}


def _declared_metrics() -> set[str]:
    declared = set()
    pattern = re.compile(r'(?:Counter|Gauge|Histogram|Summary)\(\s*"([a-z_:][a-z0-9_:]*)"')
    for source in SOURCES:
        for path in source.rglob("*.py"):
            declared |= set(pattern.findall(path.read_text()))
    return declared


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _queried(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "{}", expr)
    without_groupings = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_labels)
    return {m for m in _METRIC.findall(without_groupings) if m not in _FUNCTIONS}


def _dashboard_queries() -> list[str]:
    queries = []
    for path in (ROOT / "deploy/grafana/dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            queries += [target["expr"] for target in panel["targets"]]
    return queries


def _rule_queries() -> list[str]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


@pytest.mark.parametrize("expr", _dashboard_queries() + _rule_queries())
def test_every_queried_metric_is_exported(expr: str) -> None:
    declared = _declared_metrics() | _BUILT_IN
    missing = {m for m in _queried(expr) if _base(m) not in declared and m not in declared}
    assert not missing, f"{expr!r} queries metrics no service exports: {sorted(missing)}"


def test_the_dashboard_has_panels() -> None:
    assert len(_dashboard_queries()) >= 8


def test_the_dashboard_shows_the_budget_by_consumer() -> None:
    # Each service is one consumer of the bot's one budget (the `job` label): what it spends, and
    # how long its calls wait, by priority.
    queries = [re.sub(r"\s+", " ", q) for q in _dashboard_queries()]

    assert any("by (job) (rate(gmbot_telegram_requests_total[" in q for q in queries)
    assert any(
        "by (le, job, priority) (rate(gmbot_telegram_budget_wait_seconds_bucket[" in q
        for q in queries
    )
