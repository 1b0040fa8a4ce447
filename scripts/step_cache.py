"""Skips a slow check that already passed for exactly the same inputs (`make containers`,
`make deploy-check`).

A step's inputs are the tracked files it builds from or validates (`git ls-files` of its paths,
read from the work tree: an edit not yet committed counts, an untracked file does not) and the
versions of the tools it runs. Their SHA-256 names a record in
`${XDG_CACHE_HOME:-~/.cache}/gmbot/<step>/<hash>`, outside the clone, so a fresh clone on the same
machine reuses it. Only a run that exits 0 writes one; `FORCE=1` runs the step anyway.

    python -m scripts.step_cache containers -- .venv/bin/python -m scripts.compose
    python -m scripts.step_cache containers --recorded   # exit 0: the next run will skip
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What every image is built from, and what says how a step runs (its recipe, this module).
_BUILD = ("pyproject.toml", "uv.lock", "Dockerfile", ".dockerignore", "Makefile")
_ITSELF = "scripts/step_cache.py"


@dataclass(frozen=True)
class Inputs:
    """What a step checks: git pathspecs from the repository's root, and a command per tool
    that prints the tool's version."""

    paths: tuple[str, ...]
    tools: tuple[tuple[str, ...], ...]


def workspace_members(root: Path = ROOT) -> tuple[str, ...]:
    """The source roots, as pyproject.toml names them for uv."""
    with (root / "pyproject.toml").open("rb") as manifest:
        members: list[str] = tomllib.load(manifest)["tool"]["uv"]["workspace"]["members"]
    return tuple(members)


def _module_file(name: str, root: Path) -> Path | None:
    """The file of a module outside the workspace members (scripts, bench, tests), else None."""
    path = root / name.replace(".", "/")
    return next((f for f in (path.with_suffix(".py"), path / "__init__.py") if f.is_file()), None)


def imported_here(module: str, root: Path = ROOT) -> tuple[str, ...]:
    """The files of `module` and of every module of the repository's root packages (scripts/,
    bench/, tests/) it imports, theirs, and so on, with the packages' __init__ on the way."""
    found: set[str] = set()
    waiting = [module]
    while waiting:
        name = waiting.pop()
        file = _module_file(name, root)
        if file is None or str(file.relative_to(root)) in found:
            continue
        found.add(str(file.relative_to(root)))
        waiting += [name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)]
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                waiting.append(node.module)
            elif isinstance(node, ast.Import):
                waiting += [alias.name for alias in node.names]
    return tuple(sorted(found))


def steps(root: Path = ROOT) -> dict[str, Inputs]:
    build = (*_BUILD, _ITSELF, *workspace_members(root))
    return {
        # The images, the compose files and what they mount (deploy/), and the harness with what
        # it imports from bench/ and tests/support/.
        "containers": Inputs(
            paths=(
                *build,
                "docker-compose.yml",
                "deploy",
                "scripts/podman-setup.sh",
                "scripts/compose",
                *imported_here("scripts.compose.__main__", root),
            ),
            tools=(("podman", "--version"),),
        ),
        # deploy/check.sh and the services' check-config it runs (scripts/deployed_config.py).
        "deploy-check": Inputs(
            paths=(
                *build,
                "docker-compose.yml",
                "deploy",
                *imported_here("scripts.deployed_config", root),
            ),
            tools=(
                ("docker-compose", "--version"),
                ("kubectl", "version", "--client"),
                ("promtool", "--version"),
                ("openssl", "version"),
            ),
        ),
    }


def tracked(paths: Iterable[str], root: Path = ROOT) -> list[str]:
    """The tracked files under `paths`, sorted; CalledProcessError outside a git checkout."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--", *paths],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name)


def tool_version(command: Sequence[str]) -> str:
    try:
        answer = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except FileNotFoundError:
        return f"{command[0]}: missing"
    return f"{' '.join(command)}: {(answer.stdout + answer.stderr).strip()}"


def _file_digest(file: Path) -> bytes:
    if file.is_symlink():
        return b"link " + os.readlink(file).encode()
    if not file.exists():
        return b"deleted"
    mode = b"x" if os.access(file, os.X_OK) else b"-"
    return mode + hashlib.sha256(file.read_bytes()).digest()


def input_hash(inputs: Inputs, root: Path = ROOT, python: str = sys.version) -> str:
    """SHA-256 over each tracked input's path, mode and content, the tools' versions and the
    interpreter that runs the step."""
    digest = hashlib.sha256()
    for name in tracked(inputs.paths, root):
        digest.update(name.encode() + b"\0" + _file_digest(root / name) + b"\0")
    for line in (*map(tool_version, inputs.tools), f"python: {python}"):
        digest.update(line.encode() + b"\0")
    return digest.hexdigest()


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gmbot"


def _remember(record: Path, seconds: float, root: Path) -> None:
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_suffix(f".{os.getpid()}")
    facts = {"passed": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), "commit": commit}
    partial.write_text(json.dumps({**facts, "seconds": round(seconds)}) + "\n")
    partial.replace(record)


def recorded(step: str, inputs: Inputs, root: Path = ROOT) -> bool:
    """Whether a passing run of `step` for its inputs as they are now is on record."""
    try:
        return (cache_root() / step / input_hash(inputs, root)).exists()
    except subprocess.CalledProcessError:  # not a git checkout: nothing is cached
        return False


def run_cached(
    step: str, inputs: Inputs, command: Sequence[str], force: bool = False, root: Path = ROOT
) -> int:
    """Runs `command` unless a passing run for these inputs is on record; records a pass."""
    try:
        key = input_hash(inputs, root)
    except subprocess.CalledProcessError:
        print(f"{step}: not a git checkout, so not cached; running it")
        return subprocess.run(command, check=False).returncode
    record = cache_root() / step / key
    if record.exists() and not force:
        passed = json.loads(record.read_text())["passed"]
        print(
            f"{step}: skipped, passed on {passed} for the same inputs (hash {key}; FORCE=1 runs it)"
        )
        return 0
    started = time.monotonic()
    status = subprocess.run(command, check=False).returncode
    if status != 0:
        return status
    # An input edited during the run: the pass was for neither version, so none is recorded.
    if input_hash(inputs, root) != key:
        print(f"{step}: passed, not recorded: its inputs changed while it ran")
    else:
        _remember(record, time.monotonic() - started, root)
        print(f"{step}: passed, recorded for input hash {key}")
    return 0


def main(argv: Sequence[str]) -> int:
    known = steps()
    force = os.environ.get("FORCE", "") not in ("", "0")
    if len(argv) == 2 and argv[0] in known and argv[1] == "--recorded":
        return 0 if recorded(argv[0], known[argv[0]]) and not force else 1
    if len(argv) < 3 or argv[0] not in known or argv[1] != "--":
        print(
            f"usage: python -m scripts.step_cache {{{','.join(known)}}} "
            "(-- COMMAND... | --recorded)",
            file=sys.stderr,
        )
        return 2
    return run_cached(argv[0], known[argv[0]], argv[2:], force=force)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
