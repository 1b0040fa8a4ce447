"""The miniapp piece: stacked, the gateway serves the Mini App on its miniapp port, the Service
and an HTTPS Ingress route the page, its assets and its API there (nothing else), and with
network-policies the port is let in; left out, the gateway is told of no Mini App. Compose
publishes the proxy's dashboard port."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.deploy.compose import example_env, services
from tests.unit.deploy.kustomize import containers, stack

ROUTES = {"/": "Exact", "/static/": "Prefix", "/api/": "Prefix"}


def _env(documents: list[dict[str, Any]]) -> dict[str, str]:
    """The gateway container's environment from its optional ConfigMaps."""
    maps = {d["metadata"]["name"]: d["data"] for d in documents if d["kind"] == "ConfigMap"}
    gateway = containers(documents)["gateway"]
    env: dict[str, str] = {}
    for source in gateway["envFrom"]:
        env.update(maps.get(source["configMapRef"]["name"], {}))
    return env


@pytest.mark.parametrize("overlay", ["overlays/webhook", "overlays/polling"])
def test_the_ingress_routes_the_mini_app_alone_to_the_port_the_gateway_listens_on(
    overlay: str,
) -> None:
    documents = stack([overlay, "secrets", "network-policies", "miniapp"])
    env = _env(documents)
    gateway = containers(documents)["gateway"]
    ports = {p["name"]: p["containerPort"] for p in gateway["ports"]}
    (service,) = [
        d for d in documents if d["kind"] == "Service" and d["metadata"]["name"] == "gmbot-gateway"
    ]
    served = {p["name"]: p for p in service["spec"]["ports"]}
    (ingress,) = [
        d for d in documents if d["kind"] == "Ingress" and d["metadata"]["name"] == "gmbot-miniapp"
    ]
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    policies = [d["spec"] for d in documents if d["kind"] == "NetworkPolicy"]

    assert env["MINIAPP_URL"].startswith("https://")
    assert env["MINIAPP_HOST"] == "0.0.0.0"  # noqa: S104 - the pod's own address
    assert int(env["MINIAPP_PORT"]) == ports["miniapp"]
    assert served["miniapp"]["targetPort"] == "miniapp"
    assert {p["path"]: p["pathType"] for p in paths} == ROUTES
    assert {
        (p["backend"]["service"]["name"], p["backend"]["service"]["port"]["name"]) for p in paths
    } == {("gmbot-gateway", "miniapp")}
    assert {rule["host"] for rule in ingress["spec"]["rules"]} <= {
        host for tls in ingress["spec"]["tls"] for host in tls["hosts"]
    }
    assert any(
        policy["podSelector"].get("matchLabels") == {"app.kubernetes.io/name": "gmbot-gateway"}
        and {"protocol": "TCP", "port": "miniapp"}
        in [port for rule in policy.get("ingress", []) for port in rule.get("ports", [])]
        for policy in policies
    )


def test_without_the_piece_the_gateway_is_told_of_no_mini_app() -> None:
    documents = stack(["overlays/webhook", "secrets", "network-policies"])

    assert "MINIAPP_URL" not in _env(documents)
    assert not [d for d in documents if d["metadata"]["name"] == "gmbot-miniapp"]


def test_compose_publishes_the_dashboard_port_through_the_proxy() -> None:
    resolved = services(example_env())
    published = {(str(p["published"]), int(p["target"])) for p in resolved["proxy"]["ports"]}

    assert ("8082", 8082) in published
    assert "8082" in resolved["gateway"]["expose"]
