"""`make release VERSION=x.y.z`: everything a release ships, into dist/<version>/.

- the contracts' distribution, `gmbot-contracts` wheel and sdist (`uv build`): the .proto files
  and their generated Python code with its .pyi stubs;
- the API as a buf image, gmbot-v<version>.binpb, also kept in proto/releases/ (committed with
  the release: the next versions' `buf breaking` compares against it);
- a CycloneDX SBOM per image, from the environment that image installs: the Dockerfile's own
  `uv sync` arguments for the image, exported from uv.lock and read by `cyclonedx-py`;
- every image, tagged <registry>/gmbot-<service>:<version>, built on a base pinned by digest when
  the base is pulled from a registry (or on the local stand-in, whose image id is recorded);
- SHA256SUMS and release.json (what was built from what).

It refuses a version whose CHANGELOG.md section is missing or that the pyproject files do not
declare: one version covers the workspace, and the wheel carries the pyproject's version.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scripts.changelog import CHANGELOG, ChangelogError, check_release, parse, workspace_version

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
RELEASES = ROOT / "proto" / "releases"
BUF = ROOT / "tools" / "buf" / "node_modules" / ".bin" / "buf"
UV = ROOT / ".tools" / "bin" / "uv"
CYCLONEDX = Path(sys.executable).parent / "cyclonedx-py"

# The one `uv sync` of an image's build stage that installs its code (not the dependency layer).
_STAGE = re.compile(r"^FROM workspace AS build-(?P<image>[a-z]+)$")
_SYNC = re.compile(r"^RUN uv (?P<args>sync .*)$")
_BASE = re.compile(r"^ARG PYTHON_IMAGE=(?P<image>\S+)$", re.MULTILINE)


class ReleaseError(Exception):
    """The release cannot be made; the message says why."""


@dataclass(frozen=True)
class Options:
    version: str
    images: tuple[str, ...]
    out: Path
    releases: Path
    image_mode: str  # build, dry-run or skip
    registry: str
    base: str  # pull or local
    container_tool: str


def run(*command: str | Path, capture: bool = False, env: dict[str, str] | None = None) -> str:
    """Runs a release step; its failure ends the release with the step's own words."""
    words = [str(word) for word in command]
    result = subprocess.run(
        words, cwd=ROOT, capture_output=capture, text=True, check=False,
        env={**os.environ, **env} if env else None,
    )  # fmt: skip
    if result.returncode:
        detail = (result.stderr or "").strip().splitlines()[-3:] if capture else []
        raise ReleaseError(f"`{shlex.join(words)}` failed: {' '.join(detail)}".rstrip(": "))
    return result.stdout if capture else ""


def image_installs(dockerfile: Path = DOCKERFILE) -> dict[str, list[str]]:
    """Each image's `uv sync` arguments, as its build stage runs them (the last sync wins)."""
    installs: dict[str, list[str]] = {}
    image = None
    for line in dockerfile.read_text().splitlines():
        if stage := _STAGE.match(line):
            image = stage["image"]
        elif (sync := _SYNC.match(line)) and image is not None:
            installs[image] = shlex.split(sync["args"])[1:]
    return installs


def locked_requirements(image: str, installs: dict[str, list[str]]) -> str:
    """The image's locked environment as requirements: uv.lock exported with the stage's own
    arguments; each workspace member (a path line) becomes name==version, as released, except
    the image's own service, which is the SBOM's subject rather than one of its components."""
    if image not in installs:
        raise ReleaseError(f"the Dockerfile has no build-{image} stage")
    exported = run(UV, "export", *installs[image], "--no-header", capture=True)
    lines = []
    for line in exported.splitlines():
        if line.startswith("./"):
            if line == f"./services/{image}":
                continue
            project = tomllib.loads((ROOT / line / "pyproject.toml").read_text())["project"]
            line = f"{project['name']}=={project['version']}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def sbom(image: str, installs: dict[str, list[str]], out: Path, version: str) -> Path:
    target = out / f"gmbot-{image}-{version}.cdx.json"
    own = ROOT / "services" / image / "pyproject.toml"
    with tempfile.TemporaryDirectory() as work:
        requirements = Path(work) / "requirements.txt"
        requirements.write_text(locked_requirements(image, installs))
        run(
            CYCLONEDX, "requirements", requirements, "--pyproject", own,
            "--mc-type", "application", "--output-reproducible", "--of", "JSON", "-o", target,
            capture=True,
        )  # fmt: skip
    return target


def contracts(out: Path) -> list[Path]:
    before = set(out.glob("gmbot_contracts-*"))
    run(
        UV,
        "build",
        "--package",
        "gmbot-contracts",
        "--out-dir",
        out,
        "--no-build-logs",
        capture=True,
    )
    return sorted(set(out.glob("gmbot_contracts-*")) - before)


def api_image(version: str, out: Path, releases: Path) -> Path:
    """The buf image of gmbot.v1; an API already released is never rewritten."""
    released = releases / f"gmbot-v{version}.binpb"
    if not released.exists():
        releases.mkdir(parents=True, exist_ok=True)
        run(BUF, "build", "--exclude-source-info", "-o", released)
    target = out / released.name
    shutil.copyfile(released, target)
    return target


def base_image(options: Options) -> tuple[str, list[str], str]:
    """The base to build on, the build's pull flags, and what the release records of the base.
    Pulled: the registry's digest (repository@sha256:...), so every image is built on exactly
    that. Local (a stand-in built here, CONTAINERS.md): never pulled, recorded by image id."""
    match = _BASE.search(DOCKERFILE.read_text())
    if match is None:
        raise ReleaseError("the Dockerfile has no ARG PYTHON_IMAGE=")
    name = match["image"]
    tool = options.container_tool
    if options.base == "local":
        if options.image_mode == "dry-run":
            return name, ["--pull=never"], f"{name} (local)"
        image_id = run(tool, "image", "inspect", "--format", "{{.Id}}", name, capture=True)
        return name, ["--pull=never"], f"{name} (local, not pulled: image id {image_id.strip()})"
    if options.image_mode == "dry-run":
        return f"{name}@<digest>", [], f"{name} (pinned to its digest once pulled)"
    run(tool, "pull", name, capture=True)
    digest = run(
        tool, "image", "inspect", "--format", "{{index .RepoDigests 0}}", name, capture=True
    )
    return digest.strip(), [], digest.strip()


def build_images(options: Options) -> dict[str, str]:
    base, pull, recorded = base_image(options)
    built = {"base": recorded}
    for image in options.images:
        tag = f"{options.registry}/gmbot-{image}:{options.version}"
        command = [
            options.container_tool, "build", "--target", image,
            "--build-arg", f"PYTHON_IMAGE={base}", *pull, "-t", tag, ".",
        ]  # fmt: skip
        if options.image_mode == "dry-run":
            sys.stdout.write(f"   would run: {shlex.join(command)}\n")
            built[image] = tag
            continue
        # podman keeps HEALTHCHECK only in Docker's image format; docker ignores the variable.
        run(*command, env={"BUILDAH_FORMAT": "docker"})
        image_id = run(
            options.container_tool, "image", "inspect", "--format", "{{.Id}}", tag, capture=True
        )
        built[image] = f"{tag} (image id {image_id.strip()})"
    return built


def checksums(out: Path) -> Path:
    target = out / "SHA256SUMS"
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}"
        for path in sorted(out.iterdir())
        if path.is_file() and path.name != target.name and not path.name.startswith(".")
    ]
    target.write_text("\n".join(lines) + "\n")
    return target


def release(options: Options) -> list[Path]:
    check_release(options.version, parse(CHANGELOG.read_text()))
    declared = workspace_version()
    if declared != options.version:
        raise ReleaseError(
            f"the pyproject files declare {declared}, not {options.version}: set every member's "
            "version first (the wheel and the images carry it)"
        )
    if options.out.exists():
        shutil.rmtree(options.out)
    options.out.mkdir(parents=True)
    made = contracts(options.out)
    made.append(api_image(options.version, options.out, options.releases))
    installs = image_installs()
    made += [sbom(image, installs, options.out, options.version) for image in options.images]
    images = {} if options.image_mode == "skip" else build_images(options)
    manifest = options.out / "release.json"
    manifest.write_text(
        json.dumps(
            {
                "version": options.version,
                "image_build": options.image_mode,
                "images": images,
                "artifacts": [path.name for path in made],
            },
            indent=2,
        )
        + "\n"
    )
    made += [manifest, checksums(options.out)]
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make a release into dist/<version>/.")
    parser.add_argument("version")
    parser.add_argument("--image", action="append", required=True, dest="images")
    parser.add_argument("--out", type=Path, help="default: dist/<version>")
    parser.add_argument("--releases", type=Path, default=RELEASES)
    parser.add_argument("--images-mode", choices=["build", "dry-run", "skip"], default="build")
    parser.add_argument("--registry", default="localhost")
    parser.add_argument("--base", choices=["pull", "local"], default="pull")
    parser.add_argument("--container-tool", default=os.environ.get("CONTAINER_TOOL", "podman"))
    args = parser.parse_args(argv)
    options = Options(
        version=args.version,
        images=tuple(args.images),
        out=args.out or ROOT / "dist" / args.version,
        releases=args.releases,
        image_mode=args.images_mode,
        registry=args.registry,
        base=args.base,
        container_tool=args.container_tool,
    )
    try:
        made = release(options)
    except (ReleaseError, ChangelogError) as error:
        sys.stderr.write(f"release: {error}\n")
        return 1
    for path in made:
        sys.stdout.write(f"   {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
