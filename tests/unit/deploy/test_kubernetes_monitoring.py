"""The Prometheus Operator objects: valid against the subset of their CRDs GMBot uses, every
service monitored, and the alerts exactly deploy/prometheus/rules.yml's."""

from __future__ import annotations

import jsonschema  # type: ignore[import-untyped]
import yaml

from scripts.prometheus_rule import RULES, TARGET
from scripts.prometheus_rule import render as render_rule
from tests.unit.deploy.kustomize import KUBERNETES, METADATA, STRING_MAP, render, selects

# The fields of monitoring.coreos.com/v1 that GMBot's objects use, as the CRDs define them.
SERVICE_MONITOR = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "matchLabels": STRING_MAP,
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
        "metadata": METADATA,
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
                                        "labels": STRING_MAP,
                                        "annotations": STRING_MAP,
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


def test_the_prometheus_operator_objects_are_valid_and_cover_every_service() -> None:
    documents = render(KUBERNETES / "monitoring")
    monitors = [d for d in documents if d["kind"] == "ServiceMonitor"]
    (rule,) = [d for d in documents if d["kind"] == "PrometheusRule"]
    for monitor in monitors:
        jsonschema.validate(monitor, SERVICE_MONITOR)
    jsonschema.validate(rule, PROMETHEUS_RULE)
    services = {
        d["metadata"]["name"]: d["metadata"]["labels"]
        for d in render(KUBERNETES / "overlays" / "webhook")
        if d["kind"] == "Service"
    }
    selected = set()
    for monitor in monitors:
        selector = monitor["spec"]["selector"]
        selected |= {name for name, labels in services.items() if selects(selector, labels)}

    assert selected == {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement", "gmbot-gateway"}


def test_the_prometheus_rule_is_the_rules_file() -> None:
    generated = yaml.safe_load(TARGET.read_text())

    assert TARGET.read_text() == render_rule(), "run: python scripts/prometheus_rule.py"
    assert generated["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]
