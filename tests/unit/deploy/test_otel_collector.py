"""The otel-collector piece: stacked, every GMBot container sends its spans to the collector it
runs (the compose stack's configuration); left out, no pod is told of any collector."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.unit.deploy.kustomize import KUBERNETES, ROOT, stack

TRACED = ["overlays/webhook", "secrets", "network-policies", "otel-collector"]
POLICIES = "otel-collector-network-policies"


def _gmbot_containers(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for document in documents:
        if document["kind"] != "Deployment":
            continue
        pod = document["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            if str(container["image"]).split("/")[-1].startswith("gmbot-"):
                found[f"{document['metadata']['name']}/{container['name']}"] = container
    assert found, "no GMBot container rendered"
    return found


def _config_maps(documents: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d["data"] for d in documents if d["kind"] == "ConfigMap"}


def test_every_gmbot_container_sends_spans_to_the_collector_the_piece_runs() -> None:
    documents = stack(TRACED)
    maps = _config_maps(documents)
    (service,) = [
        d for d in documents if d["kind"] == "Service" and "otel" in d["metadata"]["name"]
    ]
    (collector,) = [
        d for d in documents if d["kind"] == "Deployment" and "otel" in d["metadata"]["name"]
    ]
    mounted = collector["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
    containers = _gmbot_containers(documents)

    assert len(containers) == 6  # four services, two of them migrating first
    for name, container in containers.items():
        refs = [s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s]
        (otel,) = [r for r in refs if r.startswith("gmbot-otel-")]
        endpoint = urlsplit(maps[otel]["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert endpoint.hostname == service["metadata"]["name"], name
        assert endpoint.port in {p["port"] for p in service["spec"]["ports"]}
        assert endpoint.port == 4318
    config = yaml.safe_load(maps[mounted]["config.yaml"])
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    assert maps[mounted]["config.yaml"] == (KUBERNETES / "otel-collector/config.yaml").read_text()


def test_without_the_piece_no_pod_is_told_of_a_collector() -> None:
    documents = stack(["overlays/webhook", "secrets"])
    maps = _config_maps(documents)

    assert not any("otel" in name for name in maps)
    for container in _gmbot_containers(documents).values():
        optional = [s["configMapRef"] for s in container["envFrom"] if "configMapRef" in s]
        assert {"name": "gmbot-otel", "optional": True} in optional
        assert not any("OTEL_EXPORTER_OTLP_ENDPOINT" in data for data in maps.values())


def test_with_network_policies_the_services_reach_the_collector_and_it_them() -> None:
    documents = stack([*TRACED, POLICIES])
    policies = {d["metadata"]["name"]: d["spec"] for d in documents if d["kind"] == "NetworkPolicy"}
    egress = policies["gmbot-egress-otel-collector"]
    (values,) = [e["values"] for e in egress["podSelector"]["matchExpressions"]]
    (rule,) = egress["egress"]
    inbound = policies["gmbot-otel-collector"]["ingress"][0]

    assert set(values) == {
        "gmbot-tenancy",
        "gmbot-membership",
        "gmbot-enforcement",
        "gmbot-gateway",
    }
    assert rule["to"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gmbot-otel-collector"}}}
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 4318}]
    assert inbound["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "gmbot"}}}
    ]


def test_the_compose_collector_reads_the_same_configuration() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    volumes = compose["services"]["otel-collector"]["volumes"]

    assert "./deploy/kubernetes/otel-collector/config.yaml:/etc/otelcol/config.yaml:ro" in volumes
    assert compose["services"]["otel-collector"]["profiles"] == ["tracing"]
