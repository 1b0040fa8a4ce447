"""bench.capacity's figures from its raw marks: costs per update, per member, per group, per
violator and per join, as JSON (docs/capacity.md carries them) and as a table."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.report import table

Json = dict[str, Any]


def _per(value: float, count: int, digits: int = 3) -> float:
    return round(value / count, digits) if count else 0.0


def _grown(later: dict[str, float], earlier: dict[str, float]) -> Counter[str]:
    grown = Counter(later)
    grown.subtract(earlier)
    return +grown


def _redis(raw: Json, load: Window) -> Json:
    held = raw["held"].get("redis")
    if held is None:
        return {}
    start, idle, after = raw["before"], raw["idle"], raw["after"]
    busy, quiet = _grown(after["redis"], idle["redis"]), _grown(idle["redis"], start["redis"])
    idle_rate = sum(quiet.values()) / load.idle_seconds
    size, keys = held["bytes_by_kind"], held["keys_by_kind"]
    return {
        "commands_per_update": _per(sum(busy.values()), load.updates, 2),
        "commands_per_update_net_of_idle": _per(
            sum(busy.values()) - idle_rate * load.seconds, load.updates, 2
        ),
        "idle_commands_per_second": round(idle_rate, 1),
        "commands_by_kind_per_update": {c: _per(n, load.updates) for c, n in busy.most_common()},
        "bytes_per_member": _per(size.get("member", 0), raw["users"], 0),
        "bytes_per_group": _per(size.get("group", 0), raw["groups"], 0),
        # Keys naming neither (de-duplication claims, queues), per update of the whole run.
        "bytes_per_update_other": _per(size.get("other", 0), after["updates"], 0),
        "keys_per_member": _per(keys.get("member", 0), raw["users"], 2),
        "keys_per_group": _per(keys.get("group", 0), raw["groups"], 2),
        "keys_per_update_other": _per(keys.get("other", 0), after["updates"], 2),
        "bytes_by_key_shape": dict(sorted(held["bytes_by_shape"].items(), key=lambda kv: -kv[1])),
    }


def _postgres(raw: Json, updates: int) -> Json:
    """Work from before the idle seconds on (an idle service writes nothing)."""
    found: Json = {}
    for database, tables in raw["held"].get("postgres", {}).items():
        before, after = raw["before"]["postgres"][database], raw["after"]["postgres"][database]
        found[database] = {
            "transactions_per_update": _per(
                after["transactions"] - before["transactions"], updates, 2
            ),
            "rows_written_per_update": _per(
                after["rows_written"] - before["rows_written"], updates, 2
            ),
            "tables": {
                t["table"]: {
                    "rows": t["rows"],
                    "bytes_per_row": _per(t["total_bytes"], t["rows"], 0),
                    "own_bytes_per_row": _per(t["tuple_bytes"], t["rows"], 0),
                }
                for t in tables
                if t["rows"]
            },
        }
    return found


@dataclass(frozen=True)
class Window:
    idle_seconds: float
    seconds: float  # of the load
    updates: int  # delivered during the load


def _cpu(raw: Json, load: Window) -> Json:
    start, idle, after = raw["before"]["cpu"], raw["idle"]["cpu"], raw["after"]["cpu"]
    idle_ms = {s: (idle[s] - start[s]) * 1000 / load.idle_seconds for s in start}
    busy_ms = {s: (after[s] - idle[s]) * 1000 for s in start}
    return {
        "cpu_ms_per_update": {s: _per(ms, load.updates, 2) for s, ms in busy_ms.items()},
        "cpu_ms_per_update_net_of_idle": {
            s: _per(ms - idle_ms[s] * load.seconds, load.updates, 2) for s, ms in busy_ms.items()
        },
        "idle_cpu_ms_per_second": {s: round(ms, 1) for s, ms in idle_ms.items()},
    }


def figures(raw: Json, command: str) -> Json:
    start, idle, after = raw["before"], raw["idle"], raw["after"]
    load = Window(
        idle_seconds=idle["at"] - start["at"],
        seconds=after["at"] - idle["at"],
        updates=after["updates"] - idle["updates"],
    )
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "stack": raw["stack"],
        "sizes": raw["sizes"],
        "updates": load.updates,
        "seconds": round(load.seconds, 1),
        "load_average_1m": [round(idle["load"][0], 1), round(after["load"][0], 1)],
        **_cpu(raw, load),
        "bot_api_calls": raw["phases"],
        "redis": _redis(raw, load),
        "postgres": _postgres(raw, after["updates"] - start["updates"]),
    }


def figures_table(found: Json) -> str:
    """The figures a reader scales from, one per line."""
    rows = [["updates delivered", str(found["updates"]), f"in {found['seconds']} s"]]
    load = found["load_average_1m"]
    for service, ms in found["cpu_ms_per_update"].items():
        net = found["cpu_ms_per_update_net_of_idle"][service]
        idle = found["idle_cpu_ms_per_second"][service]
        rows.append(
            [
                f"CPU {service}",
                f"{ms:.2f} ms/update",
                f"net of idle {net:.2f} (idle {idle:g} ms/s); load {load[0]} -> {load[1]}",
            ]
        )
    for phase, calls in found["bot_api_calls"].items():
        detail = ", ".join(f"{m} {n:g}" for m, n in calls.items() if m != "total")
        rows.append([f"Bot API calls per {phase}", f"{calls['total']:g}", detail])
    redis = found["redis"]
    if redis:
        rows.append(
            [
                "Redis commands per update",
                f"{redis['commands_per_update']:g}",
                f"net of idle {redis['commands_per_update_net_of_idle']:g} "
                f"(idle {redis['idle_commands_per_second']:g}/s)",
            ]
        )
        rows += [
            [
                f"Redis bytes per {kind}",
                f"{redis[f'bytes_per_{kind}']:g}",
                f"{redis[f'keys_per_{kind}']:g} keys",
            ]
            for kind in ("member", "group", "update_other")
        ]
    for database, work in found["postgres"].items():
        rows.append(
            [
                f"PostgreSQL {database} per update",
                f"{work['rows_written_per_update']:g} rows written",
                f"{work['transactions_per_update']:g} transactions",
            ]
        )
        for name, size in work["tables"].items():
            rows.append(
                [
                    f"  {database}.{name}",
                    f"{size['bytes_per_row']:g} B/row",
                    f"{size['rows']} rows, own {size['own_bytes_per_row']:g} B/row",
                ]
            )
    return f"{found['stack']}\n" + table(["figure", "value", "detail"], rows)
