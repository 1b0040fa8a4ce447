"""The stack switched to webhook mode and per-caller tokens: three gateways behind the proxy."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from gmbot.runtime.callers import token_digest
from scripts.compose.shell import CLI_DEADLINE, logs, run, step
from scripts.compose.stack import Stack
from scripts.compose.story import story

BACKENDS = ("tenancy", "membership", "enforcement")


def callers_only(stack: Stack) -> dict[str, str]:
    """The stack switched to per-caller tokens: each caller its own, no shared AUTH_TOKEN; the
    services are given only the tokens' digests, as the README asks."""
    tokens = {name: secrets.token_hex(24) for name in ("gateway", "membership", "ops", "billing")}
    scopes = {"gateway": "gateway", "membership": "budget", "ops": "operator"}
    scopes["billing"] = "membership-read"
    stack.write_env(
        AUTH_TOKEN="",
        AUTH_CALLERS=";".join(
            f"{n}:{scopes[n]}:sha256:{token_digest(t)}" for n, t in tokens.items()
        ),
        GATEWAY_CALLER_TOKEN=tokens["gateway"],
        MEMBERSHIP_CALLER_TOKEN=tokens["membership"],
    )
    stack.compose("up", "-d", "--no-build", "--no-deps", "--force-recreate", *BACKENDS)
    stack.wait_healthy(BACKENDS)
    return tokens


def dead_letters(container: str, token: str) -> subprocess.CompletedProcess[str]:
    """`gmbot dead-letters` from `container`, through the gateways' operators' port."""
    return subprocess.run(
        ["podman", "exec", *CLI_DEADLINE, "-e", f"CALLER_TOKEN={token}",
         "-e", "GATEWAY_URL=http://gateway:9104", container, "gmbot", "dead-letters"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def refusals(stack: Stack, tokens: dict[str, str]) -> None:
    """The operator's own token works; an internal caller outside membership reads is refused
    with PERMISSION_DENIED, and tenancy logs the refusal with the caller's name."""
    (tenancy,) = stack.containers()["tenancy"]
    ops = run(
        "podman", "exec", *CLI_DEADLINE, "-e", f"CALLER_TOKEN={tokens['ops']}", tenancy,
        "gmbot", "groups",
        quiet=True,
    )  # fmt: skip
    refused = subprocess.run(
        ["podman", "exec", *CLI_DEADLINE, "-e", f"CALLER_TOKEN={tokens['billing']}", tenancy,
         "gmbot", "groups"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    logged = [
        json.loads(line) for line in logs(tenancy, 1000).splitlines() if '"rpc refused"' in line
    ]
    if "GMBot Demo Chat" not in ops or "PERMISSION_DENIED" not in refused.stderr:
        raise RuntimeError(f"per-caller tokens: operator {ops!r}, billing {refused.stderr!r}")
    if not any(entry.get("caller") == "billing" for entry in logged):
        raise RuntimeError("tenancy did not log the refusal with the caller's name")
    print(f"   operator token: {ops.strip().splitlines()[0]}")
    print(f"   billing token (membership-read): {refused.stderr.strip()}")
    print(f"   tenancy logged: {logged[-1]['event']} caller={logged[-1]['caller']}")
    # The gateways' dead letters: the operator's own token too, not billing's.
    letters = {name: dead_letters(tenancy, tokens[name]) for name in ("ops", "billing")}
    if letters["ops"].returncode != 0 or "403" not in letters["billing"].stdout:
        raise RuntimeError(f"dead letters: {letters['ops']!r}, {letters['billing']!r}")
    print(f"   operator's dead letters: {letters['ops'].stdout.strip()}")
    print(f"   billing's dead letters: {letters['billing'].stdout.strip()}")


def scrape_targets(port: int) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/targets"
    with urllib.request.urlopen(url, timeout=5) as answer:
        targets: list[dict[str, Any]] = json.load(answer)["data"]["activeTargets"]
    return targets


def wait_scraped(stack: Stack, gateways: int, within: float = 90) -> None:
    """Prometheus finds every gateway by DNS and scrapes it."""
    deadline = time.monotonic() + within
    while True:
        up = [
            t["labels"]["instance"]
            for t in scrape_targets(stack.ports["PROMETHEUS_PORT"])
            if t["labels"]["job"] == "gmbot-gateway" and t["health"] == "up"
        ]
        if len(up) >= gateways:
            print(f"   prometheus scrapes {len(up)} gateways found by DNS: {', '.join(sorted(up))}")
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"prometheus found {up} of the {gateways} gateways")
        time.sleep(3)


@step("webhook, per-caller tokens: three gateways behind the proxy, the story, Prometheus")
def webhook(stack: Stack) -> dict[str, str]:
    """Answers the callers' tokens (the operator's is "ops")."""
    tokens = callers_only(stack)
    stack.write_env(
        WEBHOOK_URL="http://proxy:8080/telegram/webhook",
        WEBHOOK_SECRET=secrets.token_hex(16),
    )
    stack.scale["gateway"] = 3
    stack.up("gateway", "--force-recreate")
    stack.wait_healthy(("gateway",))
    gateways = stack.containers()["gateway"]
    print(f"   gateways: {', '.join(gateways)}")
    if len(gateways) != 3:
        raise RuntimeError(f"expected 3 gateways, found {gateways}")
    asyncio.run(story(stack.sandbox, stack.demo_ids(), newcomer="Dmitri"))
    refusals(stack, tokens)
    # Only the webhook path is public: the gateways' /metrics is not on the proxy's port.
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{stack.ports['WEBHOOK_PORT']}/metrics", timeout=5)
        raise RuntimeError("the proxy serves /metrics")
    except urllib.error.HTTPError as refused:
        print(f"   proxy: /metrics answered {refused.code}, only the webhook is forwarded")
    wait_scraped(stack, 3)
    return tokens
