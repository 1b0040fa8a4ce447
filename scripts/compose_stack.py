"""GMBot's images and docker-compose.yml, run for real with podman and podman-compose.

1. Builds every image of the Dockerfile (`podman build --format docker`, so HEALTHCHECKs stay)
   and reports its size.
2. Brings the compose stack up as an operator would (an env file from deploy/new-env.sh), with the
   Bot API sandbox as Telegram (deploy/compose.sandbox.yml): PostgreSQL, Redis, both migrations,
   the four services, the webhook proxy and Prometheus.
3. Waits for each container's own HEALTHCHECK (`podman healthcheck run`: there is no systemd to
   run them here, and podman-compose with podman 4.3 ignores `condition: service_healthy`), and
   for both migrations to exit 0.
4. Plays the demo story through the containers: the owner protects the chat, a non-subscriber
   writes and is muted, joins the channels and is unmuted.
5. Webhook mode with per-caller tokens (AUTH_CALLERS, no shared AUTH_TOKEN): WEBHOOK_URL pointing
   at the proxy, three gateways (`--scale gateway=3`, no host port of their own), the story again
   with a new member, the operator's token accepted and an internal caller's refused
   (PERMISSION_DENIED, logged with its name), and Prometheus scraping all three gateways it found
   by DNS.
6. Takes the stack down (volumes too) and prints the timings.

Needs root, podman and podman-compose (scripts/podman-setup.sh installs them); `make containers`
runs both. Exit 0 when every step passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gmbot.runtime.callers import token_digest
from gmbot.sandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("tenancy", "membership", "enforcement", "gateway", "sandbox")
HEALTHY = ("postgres", "redis", "tenancy", "membership", "enforcement", "gateway", "sandbox")
# docker-compose.yml's depends_on order, one phase at a time: podman-compose 1.6 with podman 4.3
# ignores `service_healthy`, and podman 4.3 cannot start a container whose dependencies have
# dependencies of their own ("not found in input list"), so each phase is started --no-deps
# once the one before it is healthy (or, for the migrations, has exited 0).
PHASES = [
    ("postgres", "redis", "sandbox"),
    ("migrate-tenancy", "migrate-enforcement"),
    ("tenancy", "membership", "enforcement"),
    ("gateway", "proxy", "prometheus"),
]
DEMO_TOKEN = "123456:sandbox-demo-token"
COMPOSE = ["-f", "docker-compose.yml", "-f", "deploy/compose.sandbox.yml"]
timings: dict[str, float] = {}


def step(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] = time.monotonic() - started

        return timed

    return wrap


def run(*command: str, check: bool = True, quiet: bool = False) -> str:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:4])} … exited {result.returncode}:\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip())
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@step("build every image of the Dockerfile")
def build_images() -> dict[str, str]:
    sizes = {}
    for target in TARGETS:
        started = time.monotonic()
        run(
            "podman", "build", "--quiet", "--format", "docker", "--pull=never",
            "--network", "host", "--target", target, "-t", f"gmbot-{target}", ".",
            quiet=True,
        )  # fmt: skip
        info = json.loads(run("podman", "image", "inspect", f"gmbot-{target}", quiet=True))[0]
        sizes[target] = f"{info['Size'] / 1e6:.0f} MB"
        user = info.get("User") or info["Config"].get("User", "")
        health = (info.get("Healthcheck") or {}).get("Test", [])
        print(
            f"   gmbot-{target}: {sizes[target]}, user {user or 'root'}, built in "
            f"{time.monotonic() - started:.0f}s, HEALTHCHECK {' '.join(health[1:]) or 'none'}"
        )
        if target != "sandbox" and (not user or user.startswith("0")):
            raise RuntimeError(f"gmbot-{target} runs as root")
        if not health:
            raise RuntimeError(f"gmbot-{target} has no HEALTHCHECK")
    return sizes


class Stack:
    def __init__(self) -> None:
        self.project = f"gmbot-ci-{secrets.token_hex(3)}"
        self.env_path = Path(tempfile.mkdtemp()) / "compose.env"
        self.ports = {"SANDBOX_PORT": free_port(), "WEBHOOK_PORT": free_port()}
        self.ports["PROMETHEUS_PORT"] = free_port()
        self.sandbox = f"http://127.0.0.1:{self.ports['SANDBOX_PORT']}"

    def write_env(self, **changes: str) -> None:
        """The operator's .env: made once by deploy/new-env.sh, then only `changes` change."""
        if self.env_path.exists():
            lines = self.env_path.read_text().splitlines()
            kept = [line for line in lines if line.split("=", 1)[0] not in changes]
            self.env_path.write_text(
                "\n".join([*kept, *(f"{k}={v}" for k, v in changes.items())]) + "\n"
            )
            return
        env = {
            "PATH": os.environ["PATH"],
            "BOT_TOKEN": DEMO_TOKEN,
            "TELEGRAM_API_URL": "http://sandbox:8081",
            **{k: str(v) for k, v in self.ports.items()},
        }
        made = subprocess.run(
            ["bash", "deploy/new-env.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
            check=True,
        ).stdout  # fmt: skip
        given = {line.split("=", 1)[0] for line in made.splitlines() if "=" in line}
        missing = {k: v for k, v in env.items() if k not in given and k != "PATH"}
        self.env_path.write_text(made + "".join(f"{k}={v}\n" for k, v in missing.items()))

    def compose(self, *args: str, quiet: bool = True, timeout: float = 300) -> str:
        command = [
            sys.executable, "-m", "podman_compose", "--env-file", str(self.env_path),
            "-p", self.project, *COMPOSE, *args,
        ]  # fmt: skip
        # podman-compose waits forever for a container that could not start: bound it.
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(f"podman-compose {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def containers(self) -> dict[str, list[str]]:
        """Container names by compose service."""
        listed = json.loads(
            run(
                "podman",
                "ps",
                "-a",
                "--format",
                "json",
                "--filter",
                f"label=io.podman.compose.project={self.project}",
                quiet=True,
            )
            or "[]"
        )
        by_service: dict[str, list[str]] = {}
        for container in listed:
            service = container["Labels"]["com.docker.compose.service"]
            by_service.setdefault(service, []).append(container["Names"][0])
        return {k: sorted(v) for k, v in by_service.items()}

    def wait_healthy(self, services: tuple[str, ...], within: float = 240) -> None:
        deadline = time.monotonic() + within
        pending = {name for s in services for name in self.containers().get(s, [])}
        if not pending:
            raise RuntimeError(f"no containers for {services}")
        while pending:
            for name in sorted(pending):
                result = subprocess.run(
                    ["podman", "healthcheck", "run", name], capture_output=True, check=False
                )
                if result.returncode == 0:
                    print(f"   {name}: healthy ({time.monotonic() - deadline + within:.0f}s)")
                    pending.discard(name)
            if pending and time.monotonic() > deadline:
                for name in pending:
                    logs = subprocess.run(
                        ["podman", "logs", "--tail", "30", name],
                        capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    print(f"--- {name}\n{logs.stdout}{logs.stderr}")
                raise RuntimeError(f"not healthy within {within:.0f}s: {sorted(pending)}")
            time.sleep(2)

    def wait_migrated(self, within: float = 180) -> None:
        deadline = time.monotonic() + within
        for service in ("migrate-tenancy", "migrate-enforcement"):
            (name,) = self.containers()[service]
            while True:
                state = json.loads(run("podman", "inspect", name, quiet=True))[0]["State"]
                if state["Status"] == "exited":
                    if state["ExitCode"] != 0:
                        print(run("podman", "logs", name, check=False, quiet=True))
                        raise RuntimeError(f"{name} exited {state['ExitCode']}")
                    print(f"   {name}: exited 0")
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not finish within {within:.0f}s")
                time.sleep(2)

    def down(self) -> None:
        """`down -v`, then whatever it does not know of: replicas from --scale, the network."""
        try:
            self.compose("down", "-v", "-t", "5")
        finally:
            left = [name for names in self.containers().values() for name in names]
            if left:
                run("podman", "rm", "-f", "-t", "5", *left, check=False, quiet=True)
            run("podman", "network", "rm", f"{self.project}_default", check=False, quiet=True)
            volumes = run("podman", "volume", "ls", "-q", quiet=True).split()
            mine = [v for v in volumes if v.startswith(f"{self.project}_")]
            if mine:
                run("podman", "volume", "rm", "-f", *mine, check=False, quiet=True)

    def demo_ids(self) -> dict[str, int]:
        (name,) = self.containers()["sandbox"]
        ids = {}
        for line in run("podman", "logs", name, quiet=True).splitlines():
            words = line.split()
            if len(words) == 3 and words[0] in ("chat", "user") and words[1].endswith(":"):
                ids[words[1].rstrip(":")] = int(words[2])
        return ids


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:.0f}s")
        await asyncio.sleep(0.5)


async def story(sandbox: str, ids: dict[str, int], newcomer: str | None = None) -> None:
    """Protect the chat; a non-subscriber writes and is muted; joins the channels; is unmuted."""
    control = SandboxClient(sandbox)
    chat, news, vip = ids["chat"], ids["news"], ids["vip"]
    try:
        if newcomer is None:
            await control.say(chat, ids["owner"], f"/protect @gmbot_news {vip}")

            async def protected() -> bool:
                sent = await control.journal(method="sendMessage")
                return any("gmbot_news" in str(e["params"].get("text", "")) for e in sent)

            await eventually(protected, "the owner's /protect answered")
            user = ids["carol"]
        else:
            user = int((await control.create_user(newcomer))["id"])
            await control.join(chat, user)
        print(f"   chat protected; user {user} writes without following the channels")
        await control.say(chat, user, "hello")

        async def status(expected: str) -> bool:
            return bool((await control.member(chat, user))["status"] == expected)

        await eventually(lambda: status("restricted"), f"user {user} muted")
        print(f"   user {user} muted; joins both channels")
        await control.join(news, user)
        await control.join(vip, user)
        await eventually(lambda: status("member"), f"user {user} unmuted")
        print(f"   user {user} unmuted without pressing anything")
    finally:
        await control.close()


def scrape_targets(port: int) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/targets"
    with urllib.request.urlopen(url, timeout=5) as answer:
        targets: list[dict[str, Any]] = json.load(answer)["data"]["activeTargets"]
    return targets


@step("polling: compose up, health, migrations, the story")
def polling(stack: Stack) -> None:
    stack.write_env()
    for phase in PHASES:
        stack.compose("up", "-d", "--no-build", "--no-deps", *phase)
        if phase[0].startswith("migrate"):
            stack.wait_migrated()
        else:
            stack.wait_healthy(tuple(s for s in phase if s in HEALTHY))
    asyncio.run(story(stack.sandbox, stack.demo_ids()))
    # The operator's command, from the images, with the environment compose gave each service.
    (tenancy,) = stack.containers()["tenancy"]
    (enforcement,) = stack.containers()["enforcement"]
    groups = run("podman", "exec", enforcement, "gmbot", "groups", quiet=True)
    if "GMBot Demo Chat" not in groups:
        raise RuntimeError(f"gmbot groups in {enforcement}: {groups}")
    carol = stack.demo_ids()["carol"]
    held = run("podman", "exec", tenancy, "gmbot", "restrictions", str(carol), quiet=True)
    print(f"   gmbot in {enforcement}: {groups.strip().splitlines()[0]}")
    print(f"   gmbot in {tenancy}: {held.strip()}")


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
    backends = ("tenancy", "membership", "enforcement")
    stack.compose("up", "-d", "--no-build", "--no-deps", "--force-recreate", *backends)
    stack.wait_healthy(backends)
    return tokens


def refusals(stack: Stack, tokens: dict[str, str]) -> None:
    """The operator's own token works; an internal caller outside membership reads is refused
    with PERMISSION_DENIED, and tenancy logs the refusal with the caller's name."""
    (tenancy,) = stack.containers()["tenancy"]
    ops = run(
        "podman", "exec", "-e", f"CALLER_TOKEN={tokens['ops']}", tenancy, "gmbot", "groups",
        quiet=True,
    )  # fmt: skip
    refused = subprocess.run(
        ["podman", "exec", "-e", f"CALLER_TOKEN={tokens['billing']}", tenancy, "gmbot", "groups"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    logs = subprocess.run(
        ["podman", "logs", tenancy], capture_output=True, text=True, check=False
    )  # the services log JSON lines to stderr
    logged = [
        json.loads(line)
        for line in (logs.stdout + logs.stderr).splitlines()
        if '"rpc refused"' in line
    ]
    if "GMBot Demo Chat" not in ops or "PERMISSION_DENIED" not in refused.stderr:
        raise RuntimeError(f"per-caller tokens: operator {ops!r}, billing {refused.stderr!r}")
    if not any(entry.get("caller") == "billing" for entry in logged):
        raise RuntimeError("tenancy did not log the refusal with the caller's name")
    print(f"   operator token: {ops.strip().splitlines()[0]}")
    print(f"   billing token (membership-read): {refused.stderr.strip()}")
    print(f"   tenancy logged: {logged[-1]['event']} caller={logged[-1]['caller']}")
    # The gateways' dead letters: the operator's own token too, not billing's.
    letters = {name: _dead_letters(tenancy, tokens[name]) for name in ("ops", "billing")}
    if letters["ops"].returncode != 0 or "403" not in letters["billing"].stdout:
        raise RuntimeError(f"dead letters: {letters['ops']!r}, {letters['billing']!r}")
    print(f"   operator's dead letters: {letters['ops'].stdout.strip()}")
    print(f"   billing's dead letters: {letters['billing'].stdout.strip()}")


def _dead_letters(container: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "exec", "-e", f"CALLER_TOKEN={token}", "-e", "GATEWAY_URL=http://gateway:9104",
         container, "gmbot", "dead-letters"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@step("webhook, per-caller tokens: three gateways behind the proxy, the story, Prometheus")
def webhook(stack: Stack) -> None:
    tokens = callers_only(stack)
    stack.write_env(
        WEBHOOK_URL="http://proxy:8080/telegram/webhook",
        WEBHOOK_SECRET=secrets.token_hex(16),
    )
    stack.compose(
        "up", "-d", "--no-build", "--no-deps", "--force-recreate", "--scale", "gateway=3",
        "gateway",
    )  # fmt: skip
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

    deadline = time.monotonic() + 90
    while True:
        up = [
            t["labels"]["instance"]
            for t in scrape_targets(stack.ports["PROMETHEUS_PORT"])
            if t["labels"]["job"] == "gmbot-gateway" and t["health"] == "up"
        ]
        if len(up) >= 3:
            print(f"   prometheus scrapes {len(up)} gateways found by DNS: {', '.join(sorted(up))}")
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"prometheus found {up} of the 3 gateways")
        time.sleep(3)


def main() -> int:
    started = time.monotonic()
    sizes = build_images()
    stack = Stack()
    print(f"   project {stack.project}, sandbox {stack.sandbox}")
    try:
        polling(stack)
        webhook(stack)
        ok = True
    except Exception as failure:  # report it, show the logs, take the stack down
        print(f"FAILED: {failure.__class__.__name__}: {failure}", file=sys.stderr)
        for service, names in stack.containers().items():
            for name in names:
                if service.startswith(("gateway", "membership", "enforcement", "tenancy")):
                    logs = subprocess.run(
                        ["podman", "logs", "--tail", "15", name],
                        capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    print(f"--- {name}\n{logs.stdout}{logs.stderr}")
        ok = False
    finally:
        down = time.monotonic()
        stack.down()
        timings["compose down"] = time.monotonic() - down
    print("== images: " + ", ".join(f"gmbot-{t} {s}" for t, s in sizes.items()))
    print("== timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    print(f"== containers {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
