"""`make release`'s parts that need no container engine: the contracts' wheel and sdist with their
stubs, the API's buf image, a valid CycloneDX SBOM per image from the environment the Dockerfile
installs, checksums; and what it refuses. The image builds are shown by a dry run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from scripts import release
from scripts.changelog import ChangelogError

IMAGES = ("tenancy", "membership", "enforcement", "gateway")
VERSION = "0.1.0"  # the version the workspace declares, with its CHANGELOG section


def options(tmp_path: Path, version: str = VERSION, image_mode: str = "skip") -> release.Options:
    return release.Options(
        version=version,
        images=IMAGES,
        out=tmp_path / "dist" / version,
        releases=tmp_path / "releases",
        image_mode=image_mode,
        registry="registry.example.com/gmbot",
        base="pull",
        container_tool="podman",
    )


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = release.release(options(tmp_path_factory.mktemp("release")))
    return made[0].parent


def test_each_image_installs_its_own_service_and_the_cli_from_the_lock() -> None:
    installs = release.image_installs()
    for image in IMAGES:
        assert {"--frozen", "--no-dev", "--no-editable", f"gmbot-{image}", "gmbot-cli"} <= set(
            installs[image]
        )
        assert "--no-install-workspace" not in installs[image]


def test_the_contracts_ship_as_wheel_and_sdist_with_their_stubs(released: Path) -> None:
    wheel = released / f"gmbot_contracts-{VERSION}-py3-none-any.whl"
    assert (released / f"gmbot_contracts-{VERSION}.tar.gz").is_file()
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("budget", "enforcement", "membership", "tenancy"):
        assert {
            f"gmbot/v1/{module}.proto",
            f"gmbot/v1/{module}_pb2.py",
            f"gmbot/v1/{module}_pb2.pyi",
            f"gmbot/v1/{module}_pb2_grpc.pyi",
        } <= set(names)


@pytest.mark.parametrize("image", IMAGES)
def test_each_image_has_a_valid_cyclonedx_sbom_of_its_locked_environment(
    released: Path, image: str
) -> None:
    text = (released / f"gmbot-{image}-{VERSION}.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["metadata"]["component"]["name"] == f"gmbot-{image}"
    assert bom["metadata"]["component"]["version"] == VERSION
    components = {c["name"]: c for c in bom["components"]}
    ours = {"gmbot-contracts", "gmbot-runtime", "gmbot-cli"}
    assert ours | {"grpcio", "protobuf"} <= set(components)
    assert f"gmbot-{image}" not in components  # the subject, not one of its parts
    assert "unknown" not in components
    assert all(c["purl"] == f"pkg:pypi/{c['name']}@{c['version']}" for c in components.values())
    others = {f"gmbot-{other}" for other in IMAGES if other != image} | {"gmbot-sandbox"}
    assert not others & set(components)
    assert ("aiogram" in components) == (image != "tenancy")  # tenancy has no Bot API client


def test_the_api_image_is_written_for_the_next_releases_to_compare_against(released: Path) -> None:
    kept = released.parent.parent / "releases" / f"gmbot-v{VERSION}.binpb"
    assert (released / kept.name).read_bytes() == kept.read_bytes()
    assert kept.stat().st_size > 0


def test_the_checksums_cover_every_artifact(released: Path) -> None:
    lines = (released / "SHA256SUMS").read_text().splitlines()
    sums = {name: digest for digest, name in (line.split("  ") for line in lines)}
    manifest = json.loads((released / "release.json").read_text())
    assert set(manifest["artifacts"]) | {"release.json"} == set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((released / name).read_bytes()).hexdigest() == digest


def test_a_version_without_its_changelog_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ChangelogError, match=r"no `## \[9\.9\.9\] - YYYY-MM-DD` section"):
        release.release(options(tmp_path, "9.9.9"))
    assert not (tmp_path / "dist").exists()


def test_a_version_the_pyproject_files_do_not_declare_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("## [9.9.9] - 2027-01-01\n")
    monkeypatch.setattr(release, "CHANGELOG", changelog)
    with pytest.raises(release.ReleaseError, match=r"declare 0\.1\.0, not 9\.9\.9"):
        release.release(options(tmp_path, "9.9.9"))


def test_a_dry_run_builds_every_image_by_version_on_the_pulled_base_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = release.build_images(options(tmp_path, image_mode="dry-run"))
    assert built["base"] == "python:3.11.7-slim-bookworm (pinned to its digest once pulled)"
    commands = [line for line in capsys.readouterr().out.splitlines() if "would run" in line]
    assert len(commands) == len(IMAGES)
    for image, command in zip(IMAGES, commands, strict=True):
        assert f"--target {image} " in command
        assert "PYTHON_IMAGE=python:3.11.7-slim-bookworm@<digest>" in command
        assert f"-t registry.example.com/gmbot/gmbot-{image}:{VERSION} ." in command


def test_a_pulled_base_is_pinned_to_the_digest_the_registry_gave(tmp_path: Path) -> None:
    # A stand-in for podman: answers the pull and the inspections, records every call.
    calls = tmp_path / "calls"
    tool = tmp_path / "podman"
    tool.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {calls}\n'
        'case "$*" in\n'
        '  *RepoDigests*) echo "docker.io/library/python@sha256:0123abcd" ;;\n'
        '  *"image inspect"*) echo "sha256:image" ;;\n'
        "esac\n"
    )
    tool.chmod(0o755)
    built = release.build_images(
        dataclasses.replace(options(tmp_path, image_mode="build"), container_tool=str(tool))
    )
    assert built["base"] == "docker.io/library/python@sha256:0123abcd"
    lines = calls.read_text().splitlines()
    assert lines[0] == "pull python:3.11.7-slim-bookworm"
    builds = [line for line in lines if line.startswith("build ")]
    assert len(builds) == len(IMAGES)
    assert all(
        "--build-arg PYTHON_IMAGE=docker.io/library/python@sha256:0123abcd" in line
        for line in builds
    )
