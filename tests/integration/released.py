"""The last release as it was released (CHANGELOG.md): its commit, so a clone without tags
checks the same, and its models and migrations read from git at that commit."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import MetaData

from gmbot.enforcement import app as enforcement_app
from gmbot.tenancy import app as tenancy_app

ROOT = Path(__file__).resolve().parents[2]
# The last release (CHANGELOG.md): its commit, so a clone without tags checks the same.
RELEASE = "0.1.0"
RELEASE_COMMIT = "854fb61cf751685f0e7586b0bb53c4e700b9299e"
SCHEMAS = {
    "tenancy": (tenancy_app, "services/tenancy/gmbot/tenancy"),
    "enforcement": (enforcement_app, "services/enforcement/gmbot/enforcement"),
}


def git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - git on this repository
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        pytest.fail(
            f"git {' '.join(args)}: {result.stderr.strip()} (this test needs the history back to "
            f"release {RELEASE}, {RELEASE_COMMIT[:7]}: clone without --depth)"
        )
    return result.stdout


def released_revisions(folder: str) -> set[str]:
    versions = f"{folder}/migrations/versions"
    names = git("ls-tree", "--name-only", f"{RELEASE_COMMIT}:{versions}").split()
    found = set()
    for name in names:
        if name.endswith(".py"):
            source = git("show", f"{RELEASE_COMMIT}:{versions}/{name}")
            match = re.search(r'^revision: str = "([^"]+)"$', source, re.MULTILINE)
            assert match is not None, name
            found.add(match.group(1))
    return found


@contextlib.contextmanager
def released_models(schema: str) -> Iterator[MetaData]:
    """0.1.0's models module, as released, imported under a name of its own."""
    _, folder = SCHEMAS[schema]
    source = git("show", f"{RELEASE_COMMIT}:{folder}/models.py")
    name = f"released_{RELEASE.replace('.', '_')}_{schema}_models"
    module = ModuleType(name)
    sys.modules[name] = module  # SQLAlchemy resolves the Mapped[...] annotations through it
    try:
        exec(compile(source, f"{RELEASE_COMMIT[:7]}:{folder}/models.py", "exec"), module.__dict__)  # noqa: S102
        yield module.Base.metadata
    finally:
        del sys.modules[name]


def released_migrations(schema: str, directory: Path) -> Path:
    """0.1.0's revisions, as released, under today's env.py (the released one imports the models
    from where they were then; either only hands autogenerate the metadata)."""
    app, folder = SCHEMAS[schema]
    archive = subprocess.run(  # noqa: S603 - git on this repository
        ["git", "archive", RELEASE_COMMIT, f"{folder}/migrations"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")
    released = directory / folder / "migrations"
    shutil.copyfile(app.MIGRATIONS / "env.py", released / "env.py")
    return released
