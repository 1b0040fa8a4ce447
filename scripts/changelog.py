"""Checks CHANGELOG.md against the version the workspace declares (`make test`), or against a
version about to be released (`make release`).

One version covers the workspace: every member's pyproject.toml declares the same one. It is
covered by the changelog when it has its own `## [x.y.z] - YYYY-MM-DD` section, or when it is
newer than every released section and an `## [Unreleased]` section stands for it (the version
under development). A release wants the dated section itself: `--release x.y.z`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_RELEASED = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})\s*$")
_UNRELEASED = re.compile(r"^## \[Unreleased\]\s*$")


class ChangelogError(Exception):
    """The changelog does not cover a version; the message says what to write."""


@dataclass(frozen=True)
class Changelog:
    unreleased: bool
    released: dict[str, date]


def version_key(version: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ChangelogError(f"{version!r} is not a version of the form x.y.z")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def parse(text: str) -> Changelog:
    released: dict[str, date] = {}
    unreleased = False
    for line in text.splitlines():
        if _UNRELEASED.match(line):
            unreleased = True
        elif match := _RELEASED.match(line):
            version, day = match.groups()
            if version in released:
                raise ChangelogError(f"CHANGELOG.md has two sections for {version}")
            released[version] = date.fromisoformat(day)
    return Changelog(unreleased, released)


def workspace_version(root: Path = ROOT) -> str:
    """The one version of every workspace member; an error names the members that disagree."""
    workspace = tomllib.loads((root / "pyproject.toml").read_text())
    members = workspace["tool"]["uv"]["workspace"]["members"]
    versions: dict[str, str] = {
        member: tomllib.loads((root / member / "pyproject.toml").read_text())["project"]["version"]
        for member in members
    }
    distinct = sorted(set(versions.values()))
    if len(distinct) != 1:
        found = ", ".join(f"{member}={version}" for member, version in sorted(versions.items()))
        raise ChangelogError(f"the workspace members declare different versions: {found}")
    return distinct[0]


def check_development(version: str, changelog: Changelog) -> str:
    """The rule `make test` applies to the version in the pyproject files."""
    if version in changelog.released:
        return f"{version} is released in CHANGELOG.md ({changelog.released[version]})"
    newest = max(changelog.released, key=version_key, default=None)
    if newest is not None and version_key(version) <= version_key(newest):
        raise ChangelogError(
            f"the pyproject files declare {version}, older than the released {newest}, "
            "and CHANGELOG.md has no section for it"
        )
    if not changelog.unreleased:
        raise ChangelogError(
            f"CHANGELOG.md has no section for {version}: add `## [Unreleased]` while it is "
            f"under development, or `## [{version}] - YYYY-MM-DD` when it is released"
        )
    return f"{version} is under development: CHANGELOG.md's [Unreleased] section stands for it"


def check_release(version: str, changelog: Changelog) -> str:
    """The rule `make release` applies: the version has its own dated section."""
    version_key(version)
    if version not in changelog.released:
        raise ChangelogError(
            f"CHANGELOG.md has no `## [{version}] - YYYY-MM-DD` section: move what "
            f"[Unreleased] lists under it before releasing {version}"
        )
    return f"{version} is released in CHANGELOG.md ({changelog.released[version]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--release", metavar="VERSION", help="the version about to be released")
    args = parser.parse_args(argv)
    try:
        changelog = parse(CHANGELOG.read_text())
        if args.release:
            message = check_release(args.release, changelog)
        else:
            message = check_development(workspace_version(), changelog)
    except ChangelogError as error:
        sys.stderr.write(f"changelog: {error}\n")
        return 1
    sys.stdout.write(f"changelog: {message}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
