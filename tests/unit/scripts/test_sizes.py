"""The size check: modules up to 300 lines and functions up to 60 pass, one line more fails,
and generated code, migrations and benches are not checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.sizes import main, oversizes, python_files


def function(name: str, lines: int, prefix: str = "def") -> str:
    """A function of exactly `lines` lines, its def included."""
    return f"{prefix} {name}() -> None:\n" + "    pass\n" * (lines - 1)


def module(lines: int) -> str:
    return "x = 1\n" * lines


def test_a_module_of_300_lines_passes_and_one_of_301_does_not() -> None:
    assert oversizes(Path("ok.py"), module(300)) == []
    [found] = oversizes(Path("pkg/long.py"), module(301))
    assert str(found) == "pkg/long.py:1 long 301"


@pytest.mark.parametrize("prefix", ["def", "async def"])
def test_a_function_of_60_lines_passes_and_one_of_61_does_not(prefix: str) -> None:
    assert oversizes(Path("m.py"), function("fits", 60, prefix)) == []
    source = "import os\n\n" + function("too_long", 61, prefix)
    [found] = oversizes(Path("m.py"), source)
    assert str(found) == "m.py:3 too_long 61"


def test_methods_and_nested_functions_are_measured_each() -> None:
    method = "    " + function("method", 62).replace("\n    ", "\n        ")
    source = "class Thing:\n" + method
    [found] = oversizes(Path("m.py"), source)
    assert (found.line, found.name, found.length) == (2, "method", 62)


def test_offenders_come_in_source_order_the_module_first() -> None:
    source = function("first", 70) + function("second", 61) + module(200)
    found = oversizes(Path("big.py"), source)
    assert [(o.name, o.line) for o in found] == [("big", 1), ("first", 1), ("second", 71)]


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_generated_code_migrations_benches_and_virtualenvs_are_left_out(tmp_path: Path) -> None:
    for relative in (
        "proto/gmbot/v1/tenancy_pb2.py",
        "proto/gmbot/v1/tenancy_pb2_grpc.py",
        "services/x/gmbot/x/migrations/versions/0001_first.py",
        "bench/raid.py",
        ".venv/lib/site.py",
        "cli/node_modules/thing.py",
    ):
        write(tmp_path, relative, module(400))
    write(tmp_path, "lib/gmbot/runtime/ok.py", module(10))
    assert list(python_files([tmp_path], tmp_path)) == [Path("lib/gmbot/runtime/ok.py")]


def test_main_prints_each_offender_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "lib/long.py", module(301))
    write(tmp_path, "cli/tool.py", function("run", 61))
    write(tmp_path, "cli/fine.py", function("run", 60))
    assert main([], tmp_path) == 1
    assert capsys.readouterr().out.splitlines() == [
        "cli/tool.py:1 run 61",
        "lib/long.py:1 long 301",
    ]


def test_main_checks_only_the_paths_given_and_passes_when_they_fit(tmp_path: Path) -> None:
    write(tmp_path, "lib/long.py", module(301))
    write(tmp_path, "cli/fine.py", module(30))
    assert main(["cli"], tmp_path) == 0
    assert main([str(tmp_path / "lib" / "long.py")], tmp_path) == 1
