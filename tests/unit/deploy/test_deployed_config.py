"""The configuration each deployment path gives the services is one they start with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.deployed_config import COMPOSE_EXAMPLE, Process, check, env_file
from tests.unit.deploy.compose import example_env, processes, services


def _compose(**values: str) -> dict[str, Process]:
    return processes(example_env(**values))


def test_the_documented_compose_path_starts_the_polling_gateway() -> None:
    # Regression: compose passes `WEBHOOK_URL: ${WEBHOOK_URL:-}`, so a polling gateway got
    # WEBHOOK_URL= (empty), which its settings refused ("Input should be a valid URL").
    gateway = _compose()["gateway"]

    outcome = check(gateway)

    assert gateway.env["WEBHOOK_URL"] == ""
    assert outcome.code == 0, outcome.output
    assert "WEBHOOK_URL" not in outcome.output


def test_the_webhook_gateway_behind_the_proxy_starts() -> None:
    gateway = _compose(WEBHOOK_URL="https://bot.example.org/telegram/webhook")["gateway"]

    outcome = check(gateway)

    assert outcome.code == 0, outcome.output
    assert "WEBHOOK_URL=https://bot.example.org/telegram/webhook" in outcome.output


@pytest.mark.parametrize(
    ("service", "named"),
    [
        ("tenancy", ["AUTH_TOKEN", "DATABASE_URL"]),
        ("enforcement", ["AUTH_TOKEN", "BOT_TOKEN", "CALLBACK_SIGNING_KEY", "DATABASE_URL"]),
        ("gateway", ["AUTH_TOKEN", "BOT_TOKEN", "CALLBACK_SIGNING_KEY", "WEBHOOK_SECRET"]),
    ],
)
def test_the_examples_placeholders_are_refused_by_name(service: str, named: list[str]) -> None:
    shipped = env_file(COMPOSE_EXAMPLE.read_text())
    process = processes(shipped)[service]

    outcome = check(process)

    assert outcome.code == 2
    assert "invalid configuration" in outcome.output
    for name in named:
        assert f"  {name}:" in outcome.output, outcome.output
    assert "replace-with" not in outcome.output  # the values are never echoed


def _rendered_compose() -> dict[str, Any]:
    return services(example_env())


def test_compose_drops_every_capability_and_redis_wants_its_password() -> None:
    services = _rendered_compose()
    ours = [name for name, spec in services.items() if str(spec["image"]).startswith("gmbot-")]

    assert {name for name in ours if services[name].get("cap_drop") != ["ALL"]} == set()
    redis = services["redis"]
    password = redis["command"][redis["command"].index("--requirepass") + 1]
    assert len(password) >= 32
    assert redis["environment"]["REDISCLI_AUTH"] == password
    for name in ("membership", "enforcement", "gateway"):
        assert services[name]["environment"]["REDIS_URL"] == f"redis://:{password}@redis:6379/0"


@pytest.mark.parametrize(
    ("service", "kept_from_it"),
    [
        ("tenancy", {"BOT_TOKEN", "CALLBACK_SIGNING_KEY", "REDIS_URL"}),
        ("migrate-tenancy", {"BOT_TOKEN", "CALLBACK_SIGNING_KEY", "REDIS_URL"}),
        ("membership", {"CALLBACK_SIGNING_KEY", "DATABASE_URL"}),
        ("enforcement", set()),
        ("gateway", {"DATABASE_URL"}),
    ],
)
def test_each_service_is_given_only_the_secrets_it_uses(
    service: str, kept_from_it: set[str]
) -> None:
    env = _rendered_compose()[service]["environment"]

    assert kept_from_it.isdisjoint(env)


def test_the_shipped_gateways_keep_dead_letters_in_redis_not_on_their_read_only_root() -> None:
    """With REDIS_URL the gateway keeps dead letters in Redis only; the images have a read-only
    root and run as a non-root user, so a fallback file there could never be written."""
    root = Path(__file__).resolve().parents[3]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    [deployment] = [
        document
        for document in yaml.safe_load_all(
            (root / "deploy/kubernetes/base/gateway.yaml").read_text()
        )
        if document["kind"] == "Deployment"
    ]
    [container] = deployment["spec"]["template"]["spec"]["containers"]

    assert _compose()["gateway"].env["REDIS_URL"].startswith("redis://")
    assert compose["services"]["gateway"]["read_only"] is True
    assert "REDIS_URL" in {variable["name"] for variable in container["env"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
