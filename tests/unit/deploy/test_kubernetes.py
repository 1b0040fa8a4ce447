"""The Kubernetes files as an operator applies them: images named through kustomize, the webhook
Ingress over TLS with a class, and the Prometheus Operator objects (valid against the subset of
their CRDs GMBot uses, and the alerts exactly deploy/prometheus/rules.yml's)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from scripts.prometheus_rule import RULES, TARGET, render

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = sorted(p for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
GMBOT_IMAGES = {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement", "gmbot-gateway"}

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
    "additionalProperties": False,
}
# The fields of monitoring.coreos.com/v1 that GMBot's objects use, as the CRDs define them.
SERVICE_MONITOR = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "matchLabels": _STRING_MAP,
                        "matchExpressions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key", "operator"],
                                "additionalProperties": False,
                                "properties": {
                                    "key": {"type": "string"},
                                    "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
                                    "values": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                            "scheme": {"enum": ["http", "https"]},
                        },
                    },
                },
            },
        },
    },
    "additionalProperties": False,
}
PROMETHEUS_RULE = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PrometheusRule"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string"},
                            "interval": {"type": "string"},
                            "rules": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["expr"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "alert": {"type": "string"},
                                        "record": {"type": "string"},
                                        "expr": {"type": ["string", "integer"]},
                                        "for": {"type": "string"},
                                        "labels": _STRING_MAP,
                                        "annotations": _STRING_MAP,
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
    },
    "additionalProperties": False,
}


def _render(directory: Path) -> list[dict[str, Any]]:
    output = subprocess.run(  # noqa: S603 - our own files
        ["kubectl", "kustomize", str(directory)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(output) if d]


def _images(documents: list[dict[str, Any]]) -> list[str]:
    images: list[str] = []
    for document in documents:
        spec = document.get("spec", {}).get("template", {}).get("spec", {})
        containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
        images.extend(container["image"] for container in containers)
    return images


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_every_image_is_named_through_kustomize_images(overlay: Path) -> None:
    images = _images(_render(overlay))
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    named = {entry["name"]: entry for entry in kustomization["images"]}

    assert set(named) == GMBOT_IMAGES
    for image in images:
        repository, tag = image.rsplit(":", 1)
        entry = named[repository.rsplit("/", 1)[-1]]
        assert repository == entry["newName"]
        assert tag == entry["newTag"]


def test_the_webhook_ingress_is_tls_only_with_a_class_and_the_webhook_path_alone() -> None:
    (ingress,) = [d for d in _render(KUBERNETES / "overlays" / "webhook") if d["kind"] == "Ingress"]
    spec = ingress["spec"]
    hosts = {rule["host"] for rule in spec["rules"]}
    paths = [p["path"] for rule in spec["rules"] for p in rule["http"]["paths"]]

    assert spec["ingressClassName"]
    assert hosts <= {host for tls in spec["tls"] for host in tls["hosts"]}
    assert all(tls["secretName"] for tls in spec["tls"])
    assert paths == ["/telegram/webhook"]


def test_the_prometheus_operator_objects_are_valid_and_cover_every_service() -> None:
    documents = _render(KUBERNETES / "monitoring")
    monitors = [d for d in documents if d["kind"] == "ServiceMonitor"]
    (rule,) = [d for d in documents if d["kind"] == "PrometheusRule"]
    for monitor in monitors:
        jsonschema.validate(monitor, SERVICE_MONITOR)
    jsonschema.validate(rule, PROMETHEUS_RULE)
    services = {
        d["metadata"]["name"]: d["metadata"]["labels"]
        for d in _render(KUBERNETES / "overlays" / "webhook")
        if d["kind"] == "Service"
    }
    selected = set()
    for monitor in monitors:
        selector = monitor["spec"]["selector"]
        for name, labels in services.items():
            exact = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
            expressions = all(
                labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", [])
            )
            if exact and expressions:
                selected.add(name)

    assert selected == {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement", "gmbot-gateway"}


def test_the_prometheus_rule_is_the_rules_file() -> None:
    generated = yaml.safe_load(TARGET.read_text())

    assert TARGET.read_text() == render(), "run: python scripts/prometheus_rule.py"
    assert generated["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def _containers(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        c["name"]: c
        for d in documents
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_kubernetes_probes_liveness_readiness_and_startup(overlay: Path) -> None:
    # Regression: liveness and readiness asked the same health status, so enforcement waiting
    # out a database failover (NOT_SERVING) was restarted, and a slow start was killed.
    containers = _containers(_render(overlay))

    assert set(containers) >= {"tenancy", "membership", "enforcement", "gateway"}
    for name, container in containers.items():
        startup = container["startupProbe"]
        liveness = container["livenessProbe"]
        readiness = container["readinessProbe"]
        if name == "gateway":
            assert liveness["httpGet"]["path"] == startup["httpGet"]["path"] == "/healthz"
            assert readiness["httpGet"]["path"] == "/readyz"
        else:
            assert liveness["grpc"]["service"] == startup["grpc"]["service"] == "liveness"
            assert readiness["grpc"].get("service", "") == ""
        # A start may wait minutes for PostgreSQL, Redis and migrations.
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 120
        assert "initialDelaySeconds" not in liveness


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_migrations_run_before_the_pods_that_own_a_database_serve(overlay: Path) -> None:
    # Regression: the migration Job was applied with the Deployments in one `kubectl apply -k`,
    # so the new pods raced it. Now each pod migrates first, in an init container of its own
    # image and database, under the schema's advisory lock.
    documents = _render(overlay)
    assert not [d for d in documents if d["kind"] == "Job"]
    owners = 0
    for deployment in (d for d in documents if d["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        (serving,) = pod["containers"]
        database = [e for e in serving.get("env", []) if e["name"] == "DATABASE_URL"]
        migrators = [c for c in pod.get("initContainers", []) if c["name"] == "migrate"]
        if not database:
            assert not migrators, deployment["metadata"]["name"]
            continue
        owners += 1
        (migrator,) = migrators
        assert migrator["image"] == serving["image"]
        assert migrator["args"] == ["migrate"]
        assert [e for e in migrator["env"] if e["name"] == "DATABASE_URL"] == database
        assert migrator["securityContext"]["readOnlyRootFilesystem"] is True
    assert owners == 2  # tenancy and enforcement
