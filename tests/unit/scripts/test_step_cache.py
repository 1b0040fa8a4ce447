"""The input hash of the cached steps (scripts/step_cache.py): which files count, and a step run,
skipped or forced by its record."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.step_cache import (
    Inputs,
    imported_here,
    input_hash,
    recorded,
    run_cached,
    steps,
    tool_version,
    tracked,
)

INPUTS = Inputs(paths=("src", "Dockerfile"), tools=())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose index holds src/app.py, src/run.sh, Dockerfile and docs/notes.md."""
    files = {
        "src/app.py": "print('app')\n",
        "src/run.sh": "exec app\n",
        "Dockerfile": "FROM python\n",
        "docs/notes.md": "notes\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for command in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True)  # noqa: S603, S607 - git
    return tmp_path


def test_the_tracked_files_under_the_paths_count(repo: Path) -> None:
    assert tracked(INPUTS.paths, repo) == ["Dockerfile", "src/app.py", "src/run.sh"]


def test_an_untracked_file_or_a_file_outside_the_paths_changes_nothing(repo: Path) -> None:
    before = input_hash(INPUTS, repo)
    (repo / "src" / "scratch.py").write_text("print('mine')\n")
    (repo / "docs" / "notes.md").write_text("other notes\n")

    assert input_hash(INPUTS, repo) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda repo: (repo / "src" / "app.py").write_text("print('changed')\n"),
        lambda repo: (repo / "src" / "run.sh").chmod(0o755),
        lambda repo: (repo / "Dockerfile").unlink(),
    ],
    ids=["an edit not committed", "the executable bit", "a deletion"],
)
def test_a_change_to_a_tracked_input_changes_the_hash(repo: Path, change: object) -> None:
    before = input_hash(INPUTS, repo)
    change(repo)  # type: ignore[operator]

    assert input_hash(INPUTS, repo) != before


def test_a_tool_version_and_the_interpreter_count(repo: Path) -> None:
    one = Inputs(INPUTS.paths, tools=(("sh", "-c", "echo tool 1.0"),))
    two = Inputs(INPUTS.paths, tools=(("sh", "-c", "echo tool 1.1"),))

    assert input_hash(one, repo) != input_hash(two, repo)
    assert input_hash(one, repo, python="3.11.2") != input_hash(one, repo, python="3.11.7")
    assert tool_version(("no-such-tool-here", "--version")) == "no-such-tool-here: missing"


def test_each_step_hashes_what_it_builds_from_and_validates() -> None:
    containers = set(tracked(steps()["containers"].paths))
    deploy = set(tracked(steps()["deploy-check"].paths))

    for name in ("Dockerfile", "uv.lock", "docker-compose.yml", "scripts/step_cache.py"):
        assert name in containers
        assert name in deploy
    assert {"scripts/compose/__main__.py", "scripts/podman-setup.sh"} <= containers
    assert "deploy/podman/python.Containerfile" in containers
    assert {"deploy/check.sh", "scripts/deployed_config.py"} <= deploy
    assert "deploy/kubernetes/render.sh" in deploy
    assert any(name.startswith("services/gateway/gmbot/") for name in containers & deploy)
    for name in containers | deploy:
        assert not name.startswith(("tests/unit/", "tests/e2e/", "docs/")), name


def test_the_modules_a_harness_imports_are_followed_through_the_repository(tmp_path: Path) -> None:
    files = {
        "tools/__init__.py": "",
        "tools/run.py": "import json\nfrom tools.helper import value\n",
        "tools/helper.py": "from gmbot.runtime import x\nimport bench.world\n",
        "bench/world.py": "from . import nothing\n",
        "tools/unused.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert imported_here("tools.run", tmp_path) == (
        "bench/world.py",
        "tools/__init__.py",
        "tools/helper.py",
        "tools/run.py",
    )


def test_the_containers_harness_s_own_imports_count() -> None:
    # bench.outcome's world starts PostgreSQL databases with tests/support's helpers.
    assert {"bench/outcome.py", "bench/world.py", "tests/support/databases.py"} <= set(
        tracked(steps()["containers"].paths)
    )


def test_a_run_is_recorded_only_when_it_passes_and_then_skipped_unless_forced(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    ran = tmp_path / "ran"
    step = ["sh", "-c", f"echo run >> {ran}"]

    assert run_cached("demo", INPUTS, ["false"], root=repo) == 1
    assert not (tmp_path / "cache").exists()
    assert not recorded("demo", INPUTS, repo)
    assert run_cached("demo", INPUTS, step, root=repo) == 0
    assert recorded("demo", INPUTS, repo)
    assert run_cached("demo", INPUTS, step, root=repo) == 0
    assert ran.read_text().count("run") == 1
    key = input_hash(INPUTS, repo)
    assert "skipped, passed on" in capsys.readouterr().out.splitlines()[-1]
    assert (tmp_path / "cache" / "gmbot" / "demo" / key).is_file()

    assert run_cached("demo", INPUTS, step, force=True, root=repo) == 0
    (repo / "src" / "app.py").write_text("print('changed')\n")
    assert not recorded("demo", INPUTS, repo)
    assert run_cached("demo", INPUTS, step, root=repo) == 0
    assert ran.read_text().count("run") == 3
    assert len(list((tmp_path / "cache" / "gmbot" / "demo").iterdir())) == 2
