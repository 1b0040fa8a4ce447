"""How bench.capacity turns its marks into figures: what a key is about, costs per update net of
what the services spend idle."""

from __future__ import annotations

from typing import Any

import pytest

from bench.capacity_probes import key_kind
from bench.capacity_report import figures

ALICE, GROUP = 7001, -100123


def test_a_key_is_about_a_member_before_a_group() -> None:
    users, groups = {ALICE}, {GROUP}
    assert key_kind(f"run:membership:answer:{GROUP}:{ALICE}", users, groups) == "member"
    assert key_kind(f"run:membership:admins:{GROUP}", users, groups) == "group"
    assert key_kind("run:gateway:update:update:42:7", users, groups) == "other"


def mark(at: float, updates: int, cpu: float, redis: int) -> dict[str, Any]:
    return {
        "at": at,
        "load": (9.0, 9.0, 9.0),
        "updates": updates,
        "cpu": {"gateway": cpu},
        "redis": {"get": redis, "ping": redis // 10},
        "postgres": {"enforcement": {"transactions": updates, "rows_written": 2 * updates}},
    }


def test_costs_per_update_and_net_of_idle() -> None:
    raw = {
        "stack": "GMBot",
        "sizes": {},
        "users": 4,
        "groups": 2,
        "before": mark(0.0, 10, 1.0, 100),
        # 10 idle seconds: 0.1 CPU seconds, 11 commands.
        "idle": mark(10.0, 10, 1.1, 110),
        # 20 seconds of load, 100 updates: 1.2 CPU seconds, 1,100 commands.
        "after": mark(30.0, 110, 2.3, 1110),
        "phases": {"violator": {"total": 3.0}},
        "held": {
            "redis": {
                "bytes_by_kind": {"member": 2000, "group": 300, "other": 1100},
                "keys_by_kind": {"member": 8, "group": 2, "other": 110},
                "bytes_by_shape": {},
            },
            "postgres": {
                "enforcement": [{"table": "t", "rows": 4, "total_bytes": 8192, "tuple_bytes": 400}]
            },
        },
    }
    found = figures(raw, command="test")

    assert found["updates"] == 100
    assert found["cpu_ms_per_update"] == {"gateway": 12.0}
    assert found["idle_cpu_ms_per_second"] == {"gateway": 10.0}
    assert found["cpu_ms_per_update_net_of_idle"]["gateway"] == pytest.approx(10.0)
    redis = found["redis"]
    assert redis["commands_per_update"] == 11.0
    assert redis["idle_commands_per_second"] == 1.1
    assert redis["commands_per_update_net_of_idle"] == pytest.approx(10.78)
    assert (redis["bytes_per_member"], redis["bytes_per_group"]) == (500, 150)
    assert redis["bytes_per_update_other"] == 10  # over every update the bot ever got
    enforcement = found["postgres"]["enforcement"]
    assert enforcement["rows_written_per_update"] == 2.0
    assert enforcement["tables"]["t"] == {
        "rows": 4,
        "bytes_per_row": 2048,
        "own_bytes_per_row": 100,
    }
