"""The Kubernetes files as an operator applies them: images named through kustomize, the webhook
Ingress over TLS with a class, and the Prometheus Operator objects (valid against the subset of
their CRDs GMBot uses, and the alerts exactly deploy/prometheus/rules.yml's)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from gmbot.enforcement.settings import EnforcementSettings
from gmbot.runtime.settings import ProcessSettings
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


# The pieces stacked as the README lists them (deploy/kubernetes/combinations.txt), rendered by
# the same script deploy/check.sh validates them with.
COMBINATIONS = [
    line.split()
    for line in (KUBERNETES / "combinations.txt").read_text().splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
_ids = " + ".join


def _stack(pieces: list[str], secrets_env: Path | None = None) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != "SECRETS_ENV"}
    if secrets_env is not None:
        env["SECRETS_ENV"] = str(secrets_env)
    output = subprocess.run(  # noqa: S603 - our own script
        [KUBERNETES / "render.sh", *pieces], check=True, capture_output=True, text=True, env=env
    ).stdout
    return [d for d in yaml.safe_load_all(output) if d]


def _deployments(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}


def test_the_readme_lists_every_combination_that_ci_renders() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- kubernetes-combinations -->\n```sh\n(.*?)```", readme, re.S)
    assert match, "the README lost its list of Kubernetes combinations"
    listed = [line.split("#")[0].split() for line in match[1].splitlines()]

    assert [words for words in listed if words] == COMBINATIONS


@pytest.mark.parametrize("pieces", COMBINATIONS, ids=_ids)
def test_autoscaled_deployments_carry_no_fixed_replicas(pieces: list[str]) -> None:
    # Regression: `replicas: 2` beside an HPA reset the count on every `kubectl apply`.
    documents = _stack(pieces)
    deployments = _deployments(documents)
    autoscaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }

    assert autoscaled >= {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement"}
    for name in autoscaled:
        assert "replicas" not in deployments[name]["spec"], name
    for name in set(deployments) - autoscaled:  # the polling gateway: exactly one, on purpose
        assert deployments[name]["spec"]["replicas"] == 1


@pytest.mark.parametrize("pieces", COMBINATIONS, ids=_ids)
def test_every_deployment_spreads_its_pods_over_zones_and_nodes(pieces: list[str]) -> None:
    for name, deployment in _deployments(_stack(pieces)).items():
        pod = deployment["spec"]["template"]
        constraints = pod["spec"]["topologySpreadConstraints"]
        keys = {c["topologyKey"] for c in constraints}

        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
        for constraint in constraints:
            assert constraint["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
            assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
            assert constraint["maxSkew"] == 1


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    exact = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    expressions = all(
        labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", [])
    )
    return exact and expressions


def _egress(documents: list[dict[str, Any]], labels: dict[str, str]) -> set[str]:
    """What a pod with `labels` may reach, in words: dns, postgres, redis, telegram:443, and
    gmbot-<service>:grpc."""
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in _deployments(documents).items()
    }
    reach: set[str] = set()
    for policy in (d for d in documents if d["kind"] == "NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"]:
            continue
        if not _selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            ports = {str(p["port"]) for p in rule["ports"]}
            peers = rule.get("to", [])
            if ports == {"53"}:
                assert all(
                    p["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"} for p in peers
                )
                reach.add("dns")
            elif ports == {"5432"} and not peers:
                reach.add("postgres")
            elif ports == {"6379"} and not peers:
                reach.add("redis")
            elif ports == {"443"}:
                # Telegram's published ranges, never "anywhere".
                cidrs = {p["ipBlock"]["cidr"] for p in peers}
                assert "149.154.160.0/20" in cidrs
                assert not cidrs & {"0.0.0.0/0", "::/0"}
                reach.add("telegram:443")
            else:
                assert ports == {"grpc"}, policy["metadata"]["name"]
                for peer in peers:
                    reach |= {
                        f"{name}:grpc"
                        for name, pod in pods.items()
                        if _selects(peer["podSelector"], pod)
                    }
    return reach


@pytest.mark.parametrize("mode", ["overlays/polling", "overlays/webhook"])
def test_each_service_may_reach_only_what_it_needs(mode: str) -> None:
    documents = _stack([mode, "secrets", "network-policies"])
    deployments = _deployments(documents)
    reach = {
        name: _egress(documents, d["spec"]["template"]["metadata"]["labels"])
        for name, d in deployments.items()
    }
    (deny,) = [d for d in documents if d["metadata"]["name"] == "gmbot-default-deny"]

    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert deny["spec"].get("egress") is None
    assert deny["spec"].get("ingress") is None
    assert reach == {
        "gmbot-tenancy": {"dns", "postgres"},
        "gmbot-membership": {"dns", "redis", "telegram:443", "gmbot-enforcement:grpc"},
        "gmbot-enforcement": {"dns", "postgres", "redis", "telegram:443"},
        "gmbot-gateway": {
            "dns",
            "redis",
            "telegram:443",
            "gmbot-tenancy:grpc",
            "gmbot-membership:grpc",
            "gmbot-enforcement:grpc",
        },
    }


def _secret_names(document: dict[str, Any]) -> set[str]:
    pod = document["spec"]["template"]["spec"]
    names: set[str] = set()
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        for env in container.get("env", []):
            if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                names.add(ref["name"])
        for source in container.get("envFrom", []):
            if ref := source.get("secretRef"):
                names.add(ref["name"])
    return names


def test_pods_roll_when_the_secret_changes(tmp_path: Path) -> None:
    example = (KUBERNETES / "secrets.env.example").read_text()
    rotated = tmp_path / "secrets.env"
    rotated.write_text(
        example.replace("replace-with-a-random-token", "a-rotated-token-" + "0" * 32)
    )

    before = _stack(["overlays/webhook", "secrets", "postgres-roles"])
    after = _stack(["overlays/webhook", "secrets", "postgres-roles"], rotated)

    (secret,) = [d for d in before if d["kind"] == "Secret"]
    (rotated_secret,) = [d for d in after if d["kind"] == "Secret"]
    name, new_name = secret["metadata"]["name"], rotated_secret["metadata"]["name"]
    assert name.startswith("gmbot-secrets-")
    assert new_name.startswith("gmbot-secrets-")
    assert name != new_name  # the name carries the contents' hash
    users = [d for d in before if d["kind"] in ("Deployment", "Job")]
    assert len(users) == 5
    for document in users:  # every reference follows the name, so every pod template changes
        assert _secret_names(document) - {"gmbot-postgres-admin"} == {name}
    for document in (d for d in after if d["kind"] in ("Deployment", "Job")):
        assert _secret_names(document) - {"gmbot-postgres-admin"} == {new_name}


EXTERNAL_SECRET = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "external-secrets.io/v1"},
        "kind": {"const": "ExternalSecret"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["secretStoreRef", "target"],
            "additionalProperties": False,
            "properties": {
                "refreshInterval": {"type": "string", "pattern": "^[0-9]+(s|m|h)$"},
                "secretStoreRef": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"enum": ["SecretStore", "ClusterSecretStore"]},
                    },
                },
                "target": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
                    },
                },
                "dataFrom": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "extract": {
                                "type": "object",
                                "required": ["key"],
                                "properties": {"key": {"type": "string"}},
                            }
                        },
                    },
                },
            },
        },
    },
}


def test_the_external_secret_makes_the_secret_the_pods_read_and_reloader_rolls_them() -> None:
    documents = _stack(["overlays/webhook", "secrets-external"])
    (external,) = [d for d in documents if d["kind"] == "ExternalSecret"]
    jsonschema.validate(external, EXTERNAL_SECRET)

    assert not [d for d in documents if d["kind"] == "Secret"]
    for deployment in _deployments(documents).values():
        assert _secret_names(deployment) == {external["spec"]["target"]["name"]}
        annotations = deployment["metadata"]["annotations"]
        assert annotations["secret.reloader.stakater.com/reload"] == "gmbot-secrets"


def test_services_connect_to_postgres_as_the_owner_of_their_database_only() -> None:
    secrets = dict(
        line.split("=", 1)
        for line in (KUBERNETES / "secrets.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    (job,) = [
        d for d in _stack(["overlays/webhook", "secrets", "postgres-roles"]) if d["kind"] == "Job"
    ]
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]

    for service in ("tenancy", "enforcement"):
        url = urlsplit(secrets[f"{service.upper()}_DATABASE_URL"])
        assert url.username == f"gmbot_{service}"
        assert url.path == f"/{service}"
        assert url.password == secrets[f"{service.upper()}_DB_PASSWORD"]
        assert f"-v db={service} -v role=gmbot_{service}" in script


def _env_value(document: dict[str, Any], container: dict[str, Any], name: str) -> float | None:
    """A variable's value in a container: its own env first, then the ConfigMap it reads."""
    for entry in container.get("env", []):
        if entry["name"] == name and "value" in entry:
            return float(entry["value"])
    value = document.get("data", {}).get(name)
    return None if value is None else float(value)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_pods_stop_within_their_grace_period_after_a_prestop_sleep(overlay: Path) -> None:
    """preStop sleeps while the endpoints go; then the process's own stop (calls in flight,
    and for enforcement the drain of the actions in hand) fits terminationGracePeriodSeconds."""
    documents = _render(overlay)
    config = next(
        d for d in documents if d["kind"] == "ConfigMap" and "gmbot-config" in d["metadata"]["name"]
    )
    defaults = {
        "SHUTDOWN_GRACE_SECONDS": ProcessSettings.model_fields["shutdown_grace_seconds"].default,
        "DRAIN_SECONDS": EnforcementSettings.model_fields["drain_seconds"].default,
    }
    checked = set()
    for deployment in _deployments(documents).values():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            command = container["lifecycle"]["preStop"]["exec"]["command"]
            assert command[0] == "sleep"
            sleep = float(command[1])
            assert sleep >= 3  # endpoint removal takes a moment to reach every proxy

            def setting(name: str, container: dict[str, Any] = container) -> float:
                value = _env_value(config, container, name)
                return float(defaults[name]) if value is None else value

            stopping = sleep + setting("SHUTDOWN_GRACE_SECONDS")
            if container["name"] == "enforcement":
                stopping += setting("DRAIN_SECONDS")
            # A margin for handing actions back and closing pools and clients.
            assert pod["terminationGracePeriodSeconds"] >= stopping + 5, container["name"]
            checked.add(container["name"])
    assert checked >= {"gateway", "tenancy", "membership", "enforcement"}
