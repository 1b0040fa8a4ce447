"""The configuration each deployment path gives the services is one they start with."""

from __future__ import annotations

import pytest

from scripts.deployed_config import (
    COMPOSE_EXAMPLE,
    FAKE_BOT_TOKEN,
    Process,
    check,
    compose_processes,
    env_file,
    new_env,
)


def _compose(**values: str) -> dict[str, Process]:
    env = {**new_env(COMPOSE_EXAMPLE, BOT_TOKEN=FAKE_BOT_TOKEN), **values}
    return {p.where.split(" ", 1)[1]: p for p in compose_processes(env, "compose")}


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
    process = {p.where.split(" ", 1)[1]: p for p in compose_processes(shipped, "compose")}[service]

    outcome = check(process)

    assert outcome.code == 2
    assert "invalid configuration" in outcome.output
    for name in named:
        assert f"  {name}:" in outcome.output, outcome.output
    assert "replace-with" not in outcome.output  # the values are never echoed
