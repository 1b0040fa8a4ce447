"""Rendering the Kubernetes files as an operator applies them (kubectl kustomize, and
deploy/kubernetes/render.sh for the combinations CI validates), and reading what came out."""

from __future__ import annotations

import copy
import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = sorted(p for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
# The pieces stacked as the README lists them (deploy/kubernetes/combinations.txt), rendered by
# the same script deploy/check.sh validates them with.
COMBINATIONS = [
    line.split()
    for line in (KUBERNETES / "combinations.txt").read_text().splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
combination_id = " + ".join

STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
# An object's metadata, as the schemas of the custom resources GMBot uses want it.
METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
    },
    "additionalProperties": False,
}


def render(directory: Path) -> list[dict[str, Any]]:
    return copy.deepcopy(_rendered(directory))


def stack(pieces: list[str], secrets_env: Path | None = None) -> list[dict[str, Any]]:
    if secrets_env is None:
        return copy.deepcopy(_stacked(tuple(pieces)))
    return _render_stack(pieces, secrets_env)


# Each render is a kubectl process, seconds on a busy machine, and the files do not change during
# a run: one render per directory or stack in each process, a copy of it to each test.
@functools.cache
def _rendered(directory: Path) -> list[dict[str, Any]]:
    output = subprocess.run(  # noqa: S603 - our own files
        ["kubectl", "kustomize", str(directory)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(output) if d]


@functools.cache
def _stacked(pieces: tuple[str, ...]) -> list[dict[str, Any]]:
    return _render_stack(list(pieces), None)


def _render_stack(pieces: list[str], secrets_env: Path | None) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != "SECRETS_ENV"}
    if secrets_env is not None:
        env["SECRETS_ENV"] = str(secrets_env)
    output = subprocess.run(  # noqa: S603 - our own script
        [KUBERNETES / "render.sh", *pieces], check=True, capture_output=True, text=True, env=env
    ).stdout
    return [d for d in yaml.safe_load_all(output) if d]


def deployments(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}


def containers(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        c["name"]: c
        for d in documents
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions' `In`) picks these labels."""
    exact = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    expressions = all(
        labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", [])
    )
    return exact and expressions
