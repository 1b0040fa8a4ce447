"""A rolling restart of every service under load loses nothing: with two replicas of each
backend and three gateways, every container is replaced in turn (stopped with its Kubernetes
grace period, removed, created again by podman-compose and waited for until healthy) while
members keep writing; then every violator was muted exactly once, every message of theirs
deleted, no follower touched, no update left undelivered and no dead letter set aside."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import yaml

from bench.outcome import Actions
from gmbot.sandbox.client import SandboxClient
from scripts.compose.load import Load
from scripts.compose.shell import ROOT, run, step
from scripts.compose.stack import Stack
from scripts.compose.story import eventually
from scripts.compose.webhook import BACKENDS, dead_letters

# Replicas as the Kubernetes HorizontalPodAutoscalers' minimum (the gateway's: webhook step).
REPLICAS = 2


def grace(service: str) -> str:
    """Seconds docker-compose.yml gives `service` to stop (podman-compose's own `stop` reads it,
    `podman stop` of one replica does not)."""
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]
    return str(spec["stop_grace_period"]).removesuffix("s")


def replace(stack: Stack, service: str, name: str) -> float:
    """Seconds from the stop to the new container's first passing health check."""
    started = time.monotonic()
    run("podman", "stop", "-t", grace(service), name, quiet=True)
    run("podman", "rm", name, quiet=True)
    stack.up(service)
    stack.wait_containers({name}, within=120)
    return time.monotonic() - started


async def replace_all(stack: Stack) -> dict[str, float]:
    took = {}
    for service in (*BACKENDS, "gateway"):
        for name in stack.containers()[service]:
            took[name] = await asyncio.to_thread(replace, stack, service, name)
    return took


def scale_out(stack: Stack) -> None:
    for service in BACKENDS:
        stack.scale[service] = REPLICAS
        stack.up(service)
    stack.wait_healthy(BACKENDS)


async def under_load(stack: Stack, ops_token: str) -> None:
    control = SandboxClient(stack.sandbox)
    try:
        load = Load(control, stack.demo_ids())
        mark = int((await control.counters())["last_seq"])
        stop = asyncio.Event()
        driving = asyncio.create_task(load.drive(stop))
        try:
            took = await replace_all(stack)
        finally:
            stop.set()
            await driving
        missing = "not looked at yet"

        async def settled() -> bool:
            nonlocal missing
            missing = await load.unsettled(mark)
            return not missing

        what = "every violator muted, every message of theirs deleted, every update delivered"
        try:
            await eventually(settled, what, 180)
        except RuntimeError as error:
            raise RuntimeError(f"{error}: {missing}") from None
        await asyncio.sleep(3)  # anything done twice would come now
        check(stack, load, await load.actions(mark), ops_token, took)
    finally:
        await control.close()


def check(
    stack: Stack, load: Load, actions: Actions, ops_token: str, took: dict[str, float]
) -> None:
    (tenancy, *_) = stack.containers()["tenancy"]
    letters = dead_letters(tenancy, ops_token).stdout.strip()
    mutes = Counter({key: n for key, n in actions.mutes.items() if key in load.violators})
    twice = sorted(user for (_, user), n in mutes.items() if n > 1)
    touched = sorted(user for user in load.followers if user in actions.touched)
    messages = sum(len(burst.authors) for burst in load.bursts)
    print(f"   replaced: {', '.join(f'{n} {s:.0f}s' for n, s in took.items())}")
    print(
        f"   load: {len(load.bursts)} rounds, {messages} messages, {len(load.followers)} "
        f"followers, {len(load.violators)} violators; {sum(mutes.values())} mutes, "
        f"{len(load.violator_messages())} of their messages deleted; dead letters: {letters}"
    )
    if twice or touched or letters != "no dead letters":
        raise RuntimeError(f"muted twice: {twice}; followers touched: {touched}; {letters}")


@step("rolling restart under load: every container replaced, one at a time")
def rolling(stack: Stack, ops_token: str) -> None:
    scale_out(stack)
    asyncio.run(under_load(stack, ops_token))
