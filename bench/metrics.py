"""What GMBot's services say about a run, from their Prometheus /metrics: to set beside what
the sandbox saw them do."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from gmbot.devstack.stack import RunningStack


def metrics_url(stack: RunningStack, service: str) -> str:
    if service == "gateway":
        return f"{stack.gateway_url}/metrics"
    return f"http://127.0.0.1:{stack.child(service).env['METRICS_PORT']}/metrics"


async def _families(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as got:
        text = await got.text()
    return {f.name: f for f in text_string_to_metric_families(text)}


async def counter(url: str, name: str) -> Counter[str]:
    """A Prometheus counter's samples by their label values ("flow/outcome"): what a service
    says it did, to set next to what the sandbox saw."""
    family = (await _families(url)).get(name.removesuffix("_total"))
    found: Counter[str] = Counter()
    for sample in family.samples if family is not None else []:
        if sample.name.endswith("_total") and sample.value:
            found["/".join(sample.labels.values())] += int(sample.value)
    return found


async def histogram(url: str, name: str) -> dict[float, float]:
    """A Prometheus histogram's cumulative buckets ({le: count}), summed over its labels."""
    family = (await _families(url)).get(name)
    buckets: Counter[float] = Counter()
    for sample in family.samples if family is not None else []:
        if sample.name.endswith("_bucket"):
            buckets[float(sample.labels["le"])] += sample.value
    return dict(buckets)


def bucket_quantile(before: dict[float, float], after: dict[float, float], q: float) -> str:
    """Which bucket the q-quantile of the observations between two scrapes falls in: "<= X ms"
    (histograms only know their bucket bounds)."""
    grown = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    total = grown.get(float("inf"), 0.0)
    if not total:
        return "n/a"
    for le, count in grown.items():
        if count >= q * total:
            if le == float("inf"):
                return f"> {max(b for b in grown if b != le) * 1000:g} ms"
            return f"<= {le * 1000:g} ms"
    return "n/a"


async def service_story(stack: RunningStack) -> list[str]:
    """One line per service from its own counters (decisions, Bot API calls, actions)."""
    lines = []
    for service, name in (
        ("gateway", "gmbot_gateway_updates_total"),
        ("gateway", "gmbot_gateway_decisions_total"),
        ("membership", "gmbot_membership_telegram_calls_total"),
        ("enforcement", "gmbot_enforcement_telegram_calls_total"),
        ("enforcement", "gmbot_enforcement_actions_total"),
        ("enforcement", "gmbot_enforcement_retries_total"),
    ):
        try:
            counts = await counter(metrics_url(stack, service), name)
        except (aiohttp.ClientError, KeyError):
            continue
        if counts:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            lines.append(f"  {name}: {shown}")
    return lines


async def backend_calls(gateway_url: str) -> tuple[str, float] | None:
    """The gateway's count of gRPC calls to its back ends, from its /metrics: the metric's name
    and the total (health checks left out), or None when it exports no such counter."""
    families = await _families(f"{gateway_url}/metrics")
    if "gmbot_gateway_backend_calls" in families:
        family = families["gmbot_gateway_backend_calls"]
        return family.name + "_total", sum(
            s.value for s in family.samples if s.name.endswith("_total")
        )
    if "grpc_client_handled" in families:
        family = families["grpc_client_handled"]
        return family.name + "_total", sum(
            s.value
            for s in family.samples
            if s.name.endswith("_total") and s.labels.get("grpc_service") != "grpc.health.v1.Health"
        )
    return None
