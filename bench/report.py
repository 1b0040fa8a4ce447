"""The benchmarks' tables: figures side by side, then one PASS/FAIL line per target."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_NUMBER = re.compile(r"^[-+]?[\d.,]+( \(.*\))?$")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; figures to the right, words to the left."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str], header: bool = False) -> str:
        return "  ".join(
            c.rjust(w) if not header and _NUMBER.match(c) else c.ljust(w)
            for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return "\n".join([line(headers, True), line(["-" * w for w in widths], True), *map(line, rows)])


@dataclass(frozen=True)
class Target:
    what: str
    goal: str
    figure: str
    passed: bool | None  # None: informational

    @property
    def verdict(self) -> str:
        return "-" if self.passed is None else ("PASS" if self.passed else "FAIL")


def targets(rows: list[Target]) -> str:
    return table(
        ["target", "goal", "measured", "result"],
        [[t.what, t.goal, t.figure, t.verdict] for t in rows],
    )


def by_count(counts: Mapping[str, int]) -> str:
    """ "sendMessage 3, deleteMessage 2": most first."""
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
