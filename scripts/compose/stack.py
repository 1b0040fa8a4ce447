"""One compose project under podman-compose: its env file, its containers, their health."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.compose.shell import ROOT, free_port, logs, run

DEMO_TOKEN = "123456:sandbox-demo-token"
COMPOSE = ["-f", "docker-compose.yml", "-f", "deploy/compose.sandbox.yml"]


class Stack:
    def __init__(self) -> None:
        self.project = f"gmbot-ci-{secrets.token_hex(3)}"
        self.env_path = Path(tempfile.mkdtemp()) / "compose.env"
        self.ports = {"SANDBOX_PORT": free_port(), "WEBHOOK_PORT": free_port()}
        self.ports["PROMETHEUS_PORT"] = free_port()
        self.sandbox = f"http://127.0.0.1:{self.ports['SANDBOX_PORT']}"
        # Replicas by service beyond compose's one (podman-compose takes one --scale a call).
        self.scale: dict[str, int] = {}

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

    def compose(self, *args: str, timeout: float = 300) -> str:
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

    def up(self, service: str, *flags: str) -> None:
        """Starts `service`'s missing containers (all its replicas), leaving its others be."""
        scale = ["--scale", f"{service}={self.scale[service]}"] if service in self.scale else []
        self.compose("up", "-d", "--no-build", "--no-deps", *flags, *scale, service)

    def containers(self) -> dict[str, list[str]]:
        """Container names by compose service."""
        label = f"label=io.podman.compose.project={self.project}"
        listed = json.loads(
            run("podman", "ps", "-a", "--format", "json", "--filter", label, quiet=True) or "[]"
        )
        by_service: dict[str, list[str]] = {}
        for container in listed:
            service = container["Labels"]["com.docker.compose.service"]
            by_service.setdefault(service, []).append(container["Names"][0])
        return {k: sorted(v) for k, v in by_service.items()}

    def wait_healthy(self, services: tuple[str, ...], within: float = 240) -> None:
        names = {name for s in services for name in self.containers().get(s, [])}
        if not names:
            raise RuntimeError(f"no containers for {services}")
        self.wait_containers(names, within)

    def wait_containers(self, names: set[str], within: float = 240) -> None:
        """Until each container's own HEALTHCHECK passes (`podman healthcheck run`: there is no
        systemd to run them here, and podman-compose with podman 4.3 ignores `service_healthy`)."""
        started = time.monotonic()
        pending = set(names)
        while pending:
            for name in sorted(pending):
                result = subprocess.run(
                    ["podman", "healthcheck", "run", name], capture_output=True, check=False
                )
                if result.returncode == 0:
                    print(f"   {name}: healthy ({time.monotonic() - started:.0f}s)")
                    pending.discard(name)
            if pending and time.monotonic() - started > within:
                for name in pending:
                    print(f"--- {name}\n{logs(name, 30)}")
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
                        print(logs(name, 50))
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
