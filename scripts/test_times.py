"""Where make test's pytest time went, from the JUnit XML files pytest wrote (`--junitxml`):
per layer (tests/unit, tests/integration, tests/e2e) and its slowest modules, in seconds of a
worker's time (a test's set-up, call and tear-down; module fixtures count in their first test).
The integration and end-to-end layers share one pool of processes, so their wall-clock times
overlap: this says which of them the pool spent its time on.

Beside each figure, the CPU seconds the worker spent on it (tests/conftest.py records them): a
module far below its worker time waits (on a window, a TTL, a service starting), one near it
computes. `--save tests/durations.json` keeps each module's worker time for the pool's
longest-first order (tests/support/longest_first.py).

`python scripts/test_times.py build/test-logs/*.xml [--modules N] [--save FILE]`
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path


def module_seconds(
    reports: list[Path],
) -> tuple[dict[str, float], dict[str, float], Counter[str]]:
    """Worker seconds, CPU seconds and test counts per test module (`tests.e2e.test_restarts`)."""
    seconds: defaultdict[str, float] = defaultdict(float)
    cpu: defaultdict[str, float] = defaultdict(float)
    tests: Counter[str] = Counter()
    for report in reports:
        # pytest's own report, not foreign input
        for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
            # "tests.e2e.test_x" or "tests.e2e.test_x.TestClass": the module is what is lower case
            parts = (case.get("classname") or "unknown").split(".")
            module = ".".join(p for p in parts if not p[:1].isupper())
            seconds[module] += float(case.get("time") or 0)
            cpu[module] += sum(
                float(p.get("value") or 0)
                for p in case.iter("property")
                if p.get("name") == "cpu_seconds"
            )
            tests[module] += 1
    return seconds, cpu, tests


def layer_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--modules", type=int, default=8, help="slowest modules shown per layer")
    parser.add_argument("--save", type=Path, help="write each module's worker seconds (JSON)")
    args = parser.parse_args(argv)
    seconds, cpu, tests = module_seconds([p for p in args.reports if p.exists()])
    layers: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for module, spent in seconds.items():
        layers[layer_of(module)][0] += spent
        layers[layer_of(module)][1] += cpu[module]
    for layer, (spent, computed) in sorted(layers.items()):
        count = sum(n for m, n in tests.items() if layer_of(m) == layer)
        print(f"  {layer:<40} {spent:7.0f} s of worker time ({computed:.0f} s CPU), {count} tests")
        mine = sorted((s, m) for m, s in seconds.items() if layer_of(m) == layer)
        for spent_there, module in reversed(mine[-args.modules :]):
            print(f"      {module:<52} {spent_there:6.0f} s ({cpu[module]:5.0f} s CPU)")
    if args.save:
        kept = {module: round(spent, 1) for module, spent in sorted(seconds.items())}
        args.save.write_text(json.dumps(kept, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
