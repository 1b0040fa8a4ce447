"""docker-compose.yml gives each GMBot container as long to stop as Kubernetes gives its pod
(terminationGracePeriodSeconds): the same drain has to fit (scripts/compose/rolling.py stops
each container with it while the stack is under load)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _kubernetes_grace() -> dict[str, int]:
    grace = {}
    for path in (ROOT / "deploy/kubernetes/base").glob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document["kind"] == "Deployment":
                service = document["metadata"]["name"].removeprefix("gmbot-")
                pod = document["spec"]["template"]["spec"]
                grace[service] = int(pod["terminationGracePeriodSeconds"])
    return grace


def test_each_service_stops_within_its_kubernetes_grace_period() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    grace = _kubernetes_grace()

    assert set(grace) == {"tenancy", "membership", "enforcement", "gateway"}
    for service, seconds in grace.items():
        assert services[service]["stop_grace_period"] == f"{seconds}s", service
