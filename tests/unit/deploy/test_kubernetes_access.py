"""What each pod may reach and read: the network policies, the Secret (rolled on change, or
made by the External Secrets Operator) and each service's own PostgreSQL role."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.unit.deploy.kustomize import KUBERNETES, METADATA, deployments, selects, stack


def _egress(documents: list[dict[str, Any]], labels: dict[str, str]) -> set[str]:
    """What a pod with `labels` may reach, in words: dns, postgres, redis, telegram:443, and
    gmbot-<service>:grpc."""
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in deployments(documents).items()
    }
    reach: set[str] = set()
    for policy in (d for d in documents if d["kind"] == "NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"]:
            continue
        if not selects(policy["spec"]["podSelector"], labels):
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
                        if selects(peer["podSelector"], pod)
                    }
    return reach


@pytest.mark.parametrize("mode", ["overlays/polling", "overlays/webhook"])
def test_each_service_may_reach_only_what_it_needs(mode: str) -> None:
    documents = stack([mode, "secrets", "network-policies"])
    reach = {
        name: _egress(documents, d["spec"]["template"]["metadata"]["labels"])
        for name, d in deployments(documents).items()
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

    before = stack(["overlays/webhook", "secrets", "postgres-roles"])
    after = stack(["overlays/webhook", "secrets", "postgres-roles"], rotated)

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
        "metadata": METADATA,
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
    documents = stack(["overlays/webhook", "secrets-external"])
    (external,) = [d for d in documents if d["kind"] == "ExternalSecret"]
    jsonschema.validate(external, EXTERNAL_SECRET)

    assert not [d for d in documents if d["kind"] == "Secret"]
    for deployment in deployments(documents).values():
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
        d for d in stack(["overlays/webhook", "secrets", "postgres-roles"]) if d["kind"] == "Job"
    ]
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]

    for service in ("tenancy", "enforcement"):
        url = urlsplit(secrets[f"{service.upper()}_DATABASE_URL"])
        assert url.username == f"gmbot_{service}"
        assert url.path == f"/{service}"
        assert url.password == secrets[f"{service.upper()}_DB_PASSWORD"]
        assert f"-v db={service} -v role=gmbot_{service}" in script
