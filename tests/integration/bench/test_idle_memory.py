"""bench.idle_memory's ceilings hold: the stack as `make run` starts it, left idle, and each
service's resident set measured again against what README's "Memory" states."""

from __future__ import annotations

from bench.idle_memory import CEILINGS_MIB, services
from gmbot.devstack.stack import BACKENDS


async def test_every_idle_service_stays_under_its_ceiling() -> None:
    measured = await services(settle=2.0)
    assert set(measured) == {*BACKENDS, "gateway"}
    over = {
        name: round(fields["VmRSS"] / 1024, 1)
        for name, fields in measured.items()
        if fields["VmRSS"] > CEILINGS_MIB[name] * 1024
    }
    assert not over, f"idle RSS in MiB above bench.idle_memory.CEILINGS_MIB: {over}"
