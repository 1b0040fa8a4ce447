"""bench.capacity's figures from its raw marks: costs per update, per member, per group, per
violator and per join, as JSON (docs/capacity.md carries them) and as a table."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from bench.report import table

Json = dict[str, Any]


def _per(value: float, count: int, digits: int = 3) -> float:
    return round(value / count, digits) if count else 0.0


def _redis(raw: Json, updates: int) -> Json:
    held = raw["held"].get("redis")
    if held is None:
        return {}
    grown = Counter(raw["after"]["redis"])
    grown.subtract(raw["before"]["redis"])
    by_command = {c: _per(n, updates) for c, n in grown.most_common() if n > 0}
    size, keys = held["bytes_by_kind"], held["keys_by_kind"]
    return {
        "commands_per_update": _per(sum(n for n in grown.values() if n > 0), updates, 2),
        "commands_by_kind_per_update": by_command,
        "bytes_per_member": _per(size.get("member", 0), raw["users"], 0),
        "bytes_per_group": _per(size.get("group", 0), raw["groups"], 0),
        # Keys naming neither (de-duplication claims, queues), per update of the whole run.
        "bytes_per_update_other": _per(size.get("other", 0), raw["after"]["updates"], 0),
        "keys_per_member": _per(keys.get("member", 0), raw["users"], 2),
        "keys_per_group": _per(keys.get("group", 0), raw["groups"], 2),
        "keys_per_update_other": _per(keys.get("other", 0), raw["after"]["updates"], 2),
        "bytes_by_key_shape": dict(sorted(held["bytes_by_shape"].items(), key=lambda kv: -kv[1])),
    }


def _postgres(raw: Json, updates: int) -> Json:
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


def figures(raw: Json, command: str) -> Json:
    before, after = raw["before"], raw["after"]
    updates = after["updates"] - before["updates"]
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "stack": raw["stack"],
        "sizes": raw["sizes"],
        "updates": updates,
        "seconds": round(after["at"] - before["at"], 1),
        "load_average_1m": [round(before["load"][0], 1), round(after["load"][0], 1)],
        "cpu_ms_per_update": {
            service: _per((after["cpu"][service] - spent) * 1000, updates, 2)
            for service, spent in before["cpu"].items()
        },
        "bot_api_calls": raw["phases"],
        "redis": _redis(raw, updates),
        "postgres": _postgres(raw, updates),
    }


def figures_table(found: Json) -> str:
    """The figures a reader scales from, one per line."""
    rows = [["updates delivered", str(found["updates"]), f"in {found['seconds']} s"]]
    load = found["load_average_1m"]
    for service, ms in found["cpu_ms_per_update"].items():
        rows.append([f"CPU {service}", f"{ms:.2f} ms/update", f"load {load[0]} -> {load[1]}"])
    for phase, calls in found["bot_api_calls"].items():
        detail = ", ".join(f"{m} {n:g}" for m, n in calls.items() if m != "total")
        rows.append([f"Bot API calls per {phase}", f"{calls['total']:g}", detail])
    redis = found["redis"]
    if redis:
        rows.append(["Redis commands per update", f"{redis['commands_per_update']:g}", ""])
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
