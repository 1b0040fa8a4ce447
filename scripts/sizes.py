"""Fails when a Python module is over 300 lines or a function over 60 (`make sizes`): a module or
function that long is asking to be split along a seam it already has. Generated code
(`*_pb2*.py`), migrations and the benches are left out.

Prints one `path:line name length` per offender; a module's line is 1 and its name is the module
itself. `python scripts/sizes.py [path ...]` checks only those files or folders.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# Folders that hold no source of ours (virtualenvs, tool installs, build output).
_NOT_SOURCE = {".venv", ".tools", "node_modules", "build", "dist", "__pycache__"}


@dataclass(frozen=True)
class Oversize:
    path: Path
    line: int
    name: str
    length: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.name} {self.length}"


def is_exempt(path: Path) -> bool:
    """Generated code, migrations and benches are not read by a newcomer line by line."""
    parts = path.parts
    return "_pb2" in path.name or "migrations" in parts or (bool(parts) and parts[0] == "bench")


def python_files(paths: Iterable[Path], root: Path = ROOT) -> Iterator[Path]:
    """The .py files under each path (a file stands for itself), relative to root, in order."""
    for path in paths:
        absolute = path if path.is_absolute() else root / path
        candidates = [absolute] if absolute.is_file() else sorted(absolute.rglob("*.py"))
        for candidate in candidates:
            relative = candidate.relative_to(root)
            hidden = any(part.startswith(".") for part in relative.parts[:-1])
            if _NOT_SOURCE.isdisjoint(relative.parts) and not hidden and not is_exempt(relative):
                yield relative


def oversizes(path: Path, source: str) -> list[Oversize]:
    """The module itself when it is too long, then each too long function, in source order."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(Oversize(path, 1, path.stem, lines))
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(Oversize(path, node.lineno, node.name, length))
    return sorted(found, key=lambda oversize: oversize.line)


def main(argv: list[str], root: Path = ROOT) -> int:
    paths = [Path(arg) for arg in argv] or [root]
    found = [
        oversize
        for path in python_files(paths, root)
        for oversize in oversizes(path, (root / path).read_text())
    ]
    for oversize in found:
        print(oversize)
    if found:
        print(
            f"{len(found)} over the limits ({MAX_MODULE_LINES} lines a module, "
            f"{MAX_FUNCTION_LINES} a function): split along a seam",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
