"""The stack as docker-compose.yml brings it up: long polling, one gateway, the demo story."""

from __future__ import annotations

import asyncio

from scripts.compose.shell import CLI_DEADLINE, run, step
from scripts.compose.stack import Stack
from scripts.compose.story import story

HEALTHY = ("postgres", "redis", "tenancy", "membership", "enforcement", "gateway", "sandbox")
# docker-compose.yml's depends_on order, one phase at a time: podman-compose 1.6 with podman 4.3
# ignores `service_healthy`, and podman 4.3 cannot start a container whose dependencies have
# dependencies of their own ("not found in input list"), so each phase is started --no-deps
# once the one before it is healthy (or, for the migrations, has exited 0).
PHASES = [
    ("postgres", "redis", "sandbox"),
    ("migrate-tenancy", "migrate-enforcement"),
    ("tenancy", "membership", "enforcement"),
    ("gateway", "proxy", "prometheus"),
]


@step("polling: compose up, health, migrations, the story")
def polling(stack: Stack) -> None:
    stack.write_env()
    for phase in PHASES:
        stack.compose("up", "-d", "--no-build", "--no-deps", *phase)
        if phase[0].startswith("migrate"):
            stack.wait_migrated()
        else:
            stack.wait_healthy(tuple(s for s in phase if s in HEALTHY))
    asyncio.run(story(stack.sandbox, stack.demo_ids()))
    # The operator's command, from the images, with the environment compose gave each service.
    (tenancy,) = stack.containers()["tenancy"]
    (enforcement,) = stack.containers()["enforcement"]
    groups = run("podman", "exec", *CLI_DEADLINE, enforcement, "gmbot", "groups", quiet=True)
    if "GMBot Demo Chat" not in groups:
        raise RuntimeError(f"gmbot groups in {enforcement}: {groups}")
    carol = stack.demo_ids()["carol"]
    held = run(
        "podman", "exec", *CLI_DEADLINE, tenancy, "gmbot", "restrictions", str(carol), quiet=True
    )
    print(f"   gmbot in {enforcement}: {groups.strip().splitlines()[0]}")
    print(f"   gmbot in {tenancy}: {held.strip()}")
