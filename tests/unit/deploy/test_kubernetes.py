"""The Kubernetes files as an operator applies them: images named through kustomize, the webhook
Ingress over TLS with a class, probes, migrations before serving, every combination CI renders
(no fixed replicas beside an autoscaler, pods spread over zones and nodes), and a grace period
that covers the stop. Monitoring and access have their own files beside this one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmbot.enforcement.settings import EnforcementSettings
from gmbot.runtime.settings import ProcessSettings
from tests.unit.deploy.kustomize import (
    COMBINATIONS,
    KUBERNETES,
    OVERLAYS,
    ROOT,
    combination_id,
    containers,
    deployments,
    render,
    stack,
)

GMBOT_IMAGES = {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement", "gmbot-gateway"}


def _images(documents: list[dict[str, Any]]) -> list[str]:
    images: list[str] = []
    for document in documents:
        spec = document.get("spec", {}).get("template", {}).get("spec", {})
        containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
        images.extend(container["image"] for container in containers)
    return images


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_every_image_is_named_through_kustomize_images(overlay: Path) -> None:
    images = _images(render(overlay))
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    named = {entry["name"]: entry for entry in kustomization["images"]}

    assert set(named) == GMBOT_IMAGES
    for image in images:
        repository, tag = image.rsplit(":", 1)
        entry = named[repository.rsplit("/", 1)[-1]]
        assert repository == entry["newName"]
        assert tag == entry["newTag"]


def test_the_webhook_ingress_is_tls_only_with_a_class_and_the_webhook_path_alone() -> None:
    (ingress,) = [d for d in render(KUBERNETES / "overlays" / "webhook") if d["kind"] == "Ingress"]
    spec = ingress["spec"]
    hosts = {rule["host"] for rule in spec["rules"]}
    paths = [p["path"] for rule in spec["rules"] for p in rule["http"]["paths"]]

    assert spec["ingressClassName"]
    assert hosts <= {host for tls in spec["tls"] for host in tls["hosts"]}
    assert all(tls["secretName"] for tls in spec["tls"])
    assert paths == ["/telegram/webhook"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_kubernetes_probes_liveness_readiness_and_startup(overlay: Path) -> None:
    # Regression: liveness and readiness asked the same health status, so enforcement waiting
    # out a database failover (NOT_SERVING) was restarted, and a slow start was killed.
    by_name = containers(render(overlay))

    assert set(by_name) >= {"tenancy", "membership", "enforcement", "gateway"}
    for name, container in by_name.items():
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
    documents = render(overlay)
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


def test_the_readme_lists_every_combination_that_ci_renders() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- kubernetes-combinations -->\n```sh\n(.*?)```", readme, re.S)
    assert match, "the README lost its list of Kubernetes combinations"
    listed = [line.split("#")[0].split() for line in match[1].splitlines()]

    assert [words for words in listed if words] == COMBINATIONS


@pytest.mark.parametrize("pieces", COMBINATIONS, ids=combination_id)
def test_autoscaled_deployments_carry_no_fixed_replicas(pieces: list[str]) -> None:
    # Regression: `replicas: 2` beside an HPA reset the count on every `kubectl apply`.
    documents = stack(pieces)
    by_name = deployments(documents)
    autoscaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }

    assert autoscaled >= {"gmbot-tenancy", "gmbot-membership", "gmbot-enforcement"}
    for name in autoscaled:
        assert "replicas" not in by_name[name]["spec"], name
    for name in set(by_name) - autoscaled:  # the polling gateway: exactly one, on purpose
        assert by_name[name]["spec"]["replicas"] == 1


@pytest.mark.parametrize("pieces", COMBINATIONS, ids=combination_id)
def test_every_deployment_spreads_its_pods_over_zones_and_nodes(pieces: list[str]) -> None:
    for name, deployment in deployments(stack(pieces)).items():
        pod = deployment["spec"]["template"]
        constraints = pod["spec"]["topologySpreadConstraints"]
        keys = {c["topologyKey"] for c in constraints}

        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
        for constraint in constraints:
            assert constraint["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
            assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
            assert constraint["maxSkew"] == 1


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
    documents = render(overlay)
    config = next(
        d for d in documents if d["kind"] == "ConfigMap" and "gmbot-config" in d["metadata"]["name"]
    )
    defaults = {
        "SHUTDOWN_GRACE_SECONDS": ProcessSettings.model_fields["shutdown_grace_seconds"].default,
        "DRAIN_SECONDS": EnforcementSettings.model_fields["drain_seconds"].default,
    }
    checked = set()
    for deployment in deployments(documents).values():
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
