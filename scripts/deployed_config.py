"""Runs every GMBot service's `check-config` with exactly the environment a deployment gives it.

- docker-compose: `docker-compose config` resolves docker-compose.yml with an env file; each
  GMBot service gets its `environment` there on top of its image's ENV (read from the Dockerfile).
- Kubernetes: `kubectl kustomize` renders an overlay; each container of a GMBot image gets its
  image's ENV, then `envFrom` (the ConfigMap), then `env` (values, ConfigMap and Secret keys),
  the Secret's keys coming from the template deploy/kubernetes/secrets.env.example filled in by
  deploy/new-env.sh, as the README tells an operator to do.

`python scripts/deployed_config.py` checks every case `make test` needs and prints one line per
case; it exits 1 when a service would refuse to start where it should start (or the reverse).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_EXAMPLE = ROOT / "deploy" / "compose.env.example"
SECRETS_EXAMPLE = ROOT / "deploy" / "kubernetes" / "secrets.env.example"
OVERLAYS = ROOT / "deploy" / "kubernetes" / "overlays"
# A syntactically valid bot token: the one thing deploy/new-env.sh cannot make up.
FAKE_BOT_TOKEN = "123456789:AAFakeTokenForConfigurationChecks_0123"
WEBHOOK = {"WEBHOOK_URL": "https://gmbot.example.com/telegram/webhook"}
# What the image's PATH would find: this interpreter stands in for the image's /opt/venv.
_OWN = ("PATH", "PYTHONPATH", "HOME")


@dataclass(frozen=True)
class Process:
    """One process a deployment would start: which service, and its whole environment."""

    where: str
    service: str
    env: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    process: Process
    code: int
    output: str


def image_env(dockerfile: Path = ROOT / "Dockerfile") -> dict[str, dict[str, str]]:
    """Each stage's ENV, inherited through `FROM <stage>`, by stage name."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    stages: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "FROM":
            parent = words[1]
            current = dict(stages.get(parent, {}))
            if len(words) >= 4 and words[2].upper() == "AS":
                stages[words[3]] = current
        elif words[0] == "ENV":
            for pair in words[1:]:
                name, _, value = pair.partition("=")
                current[name] = value
    return stages


def env_file(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def new_env(example: Path, **given: str) -> dict[str, str]:
    """deploy/new-env.sh's output for `example`, with `given` in its environment."""
    output = subprocess.run(
        ["bash", str(ROOT / "deploy" / "new-env.sh"), str(example)],
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **given},
    ).stdout
    return env_file(output)


def _gmbot_service(image: str) -> str | None:
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    return name.removeprefix("gmbot-") if name.startswith("gmbot-") else None


def compose_services(values: Mapping[str, str]) -> dict[str, Any]:
    """docker-compose.yml's services as `docker-compose config` resolves them with `values` as
    its env file."""
    with tempfile.NamedTemporaryFile("w", suffix=".env") as handle:
        handle.write("".join(f"{k}={v}\n" for k, v in values.items()))
        handle.flush()
        rendered = subprocess.run(
            ["docker-compose", "--env-file", handle.name, "-f", "docker-compose.yml", "config"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    services: dict[str, Any] = yaml.safe_load(rendered)["services"]
    return services


def compose_processes(values: Mapping[str, str], where: str) -> list[Process]:
    """The GMBot services of docker-compose.yml resolved with `values` as its env file."""
    images = image_env()
    processes = []
    for name, spec in sorted(compose_services(values).items()):
        service = _gmbot_service(str(spec.get("image", "")))
        if service is None:
            continue
        env = {k: v for k, v in images[service].items() if k not in _OWN}
        env.update({k: "" if v is None else str(v) for k, v in spec.get("environment", {}).items()})
        processes.append(Process(f"{where} {name}", service, env))
    return processes


def _containers(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = document.get("spec", {})
    pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec", {})
    yield from pod.get("initContainers", [])
    yield from pod.get("containers", [])


def kubernetes_processes(overlay: Path, secret: Mapping[str, str]) -> list[Process]:
    """Every container of a GMBot image in the rendered overlay, with its environment."""
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    documents = [d for d in yaml.safe_load_all(rendered) if d]
    config_maps = {
        d["metadata"]["name"]: {k: str(v) for k, v in d.get("data", {}).items()}
        for d in documents
        if d["kind"] == "ConfigMap"
    }
    secrets = {"gmbot-secrets": dict(secret)}
    images = image_env()
    processes = []
    for document in documents:
        for container in _containers(document):
            service = _gmbot_service(container.get("image", ""))
            if service is None:
                continue
            env = {k: v for k, v in images[service].items() if k not in _OWN}
            for source in container.get("envFrom", []):
                if ref := source.get("configMapRef"):  # an optional one may be absent
                    env.update(
                        config_maps.get(ref["name"], {})
                        if ref.get("optional")
                        else config_maps[ref["name"]]
                    )
                if "secretRef" in source:
                    env.update(secrets[source["secretRef"]["name"]])
            for item in container.get("env", []):
                ref = item.get("valueFrom", {})
                if "value" in item:
                    env[item["name"]] = str(item["value"])
                elif "secretKeyRef" in ref or "configMapKeyRef" in ref:
                    key_ref = ref.get("secretKeyRef") or ref["configMapKeyRef"]
                    store = secrets if "secretKeyRef" in ref else config_maps
                    value = store.get(key_ref["name"], {}).get(key_ref["key"])
                    if value is None and not key_ref.get("optional"):
                        raise SystemExit(
                            f"{overlay.name}: {container['name']} needs {key_ref['key']} "
                            f"from {key_ref['name']}, which the template lacks"
                        )
                    if value is not None:
                        env[item["name"]] = value
            where = f"kubernetes/{overlay.name} {document['metadata']['name']}/{container['name']}"
            processes.append(Process(where, service, env))
    return processes


def check(process: Process) -> Outcome:
    """`python -m gmbot.<service> check-config` with nothing but the process's environment."""
    env = {
        **process.env,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": tempfile.gettempdir(),
    }
    with tempfile.TemporaryDirectory() as empty:  # no stray .env
        result = subprocess.run(
            [sys.executable, "-m", f"gmbot.{process.service}", "check-config"],
            env=env,
            cwd=empty,
            capture_output=True,
            text=True,
            check=False,
        )
    return Outcome(process, result.returncode, result.stdout + result.stderr)


def cases() -> list[tuple[str, list[Process], bool]]:
    """(name, processes, whether each should start) for every deployment path we document."""
    made = new_env(COMPOSE_EXAMPLE, BOT_TOKEN=FAKE_BOT_TOKEN)
    callers = new_env(COMPOSE_EXAMPLE, BOT_TOKEN=FAKE_BOT_TOKEN)
    gateway_token, membership_token, app_token = (
        new_env(COMPOSE_EXAMPLE)["AUTH_TOKEN"][i * 20 : i * 20 + 40] for i in range(3)
    )
    callers.update(
        AUTH_TOKEN="",
        AUTH_CALLERS=(
            f"gateway:gateway:{gateway_token};membership:budget:{membership_token};"
            f"billing:membership-read:{app_token}"
        ),
        GATEWAY_CALLER_TOKEN=gateway_token,
        MEMBERSHIP_CALLER_TOKEN=membership_token,
    )
    secret = new_env(SECRETS_EXAMPLE, BOT_TOKEN=FAKE_BOT_TOKEN)
    return [
        (
            "compose, example as shipped",
            compose_processes(env_file(COMPOSE_EXAMPLE.read_text()), "compose/example"),
            False,
        ),
        ("compose, polling", compose_processes(made, "compose/polling"), True),
        ("compose, webhook", compose_processes({**made, **WEBHOOK}, "compose/webhook"), True),
        ("compose, per-caller tokens", compose_processes(callers, "compose/callers"), True),
        *(
            (f"kubernetes {o.name}", kubernetes_processes(o, secret), True)
            for o in sorted(OVERLAYS.iterdir())
            if (o / "kustomization.yaml").is_file()
        ),
    ]


def main() -> int:
    failures = 0
    pool = ThreadPoolExecutor(max_workers=4)
    for name, processes, should_start in cases():
        outcomes = list(pool.map(check, processes))
        wrong = [o for o in outcomes if (o.code == 0) != should_start]
        verdict = "start" if should_start else "are refused"
        names = " ".join(sorted({o.process.where.split(" ", 1)[1] for o in outcomes}))
        print(f"   {name}: {len(outcomes)} processes {verdict} ({names})")
        for outcome in wrong:
            failures += 1
            print(f"     WRONG {outcome.process.where} exited {outcome.code}:")
            print("       " + outcome.output.strip().replace("\n", "\n       "))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
