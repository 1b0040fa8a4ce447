"""The pool's modules longest first. pytest-xdist's `--dist loadscope` hands out whole modules in
collection order (by default reordered by their number of tests, which says little: one test of
test_restarts takes minutes, fifty of a unit table a second). A process that takes a long module
last finishes minutes after the others have gone idle; longest first, the short ones fill the
gaps at the end (the classic longest-processing-time rule).

Each module's worker seconds come from `tests/durations.json`, which
`scripts/test_times.py --save tests/durations.json build/test-logs/*.xml` writes from a run's
JUnit reports. A module not in it yet counts as an average one.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

DURATIONS = Path(__file__).resolve().parents[1] / "durations.json"


class Test(Protocol):
    @property
    def nodeid(self) -> str: ...


T = TypeVar("T", bound=Test)


def module_of(nodeid: str) -> str:
    """`tests.e2e.test_restarts` (as scripts/test_times.py names it) of
    `tests/e2e/test_restarts.py::test_x[param]`."""
    return nodeid.split("::", 1)[0].removesuffix(".py").replace("/", ".")


def recorded_seconds(path: Path = DURATIONS) -> dict[str, float]:
    if not path.exists():
        return {}
    return {str(module): float(seconds) for module, seconds in json.loads(path.read_text()).items()}


def order_longest_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In each pytest-xdist process (they must all collect the same order), the modules by their
    recorded time, longest first; within a module, the order is kept. The controller is told
    to keep that order rather than sort by the number of tests."""
    if hasattr(config, "workerinput"):
        sort_longest_first(items, recorded_seconds())


def sort_longest_first(tests: list[T], seconds: dict[str, float]) -> None:
    """Sorts `tests` by their module's `seconds`, longest first; a module not in `seconds`
    counts as an average one."""
    average = statistics.fmean(seconds.values()) if seconds else 0.0
    # sort() is stable, reverse included: a module's tests stay together and in their order
    tests.sort(key=lambda test: seconds.get(module_of(test.nodeid), average), reverse=True)


def keep_collection_order(config: pytest.Config) -> None:
    """On the controller of a `--dist loadscope` run: the modules go out in the order the
    processes collected them (longest first), not reordered by their number of tests."""
    if getattr(config.option, "dist", "no") == "loadscope":
        config.option.loadscopereorder = False
