"""docker-compose.yml as the README's path resolves it: deploy/new-env.sh's env file for the
example (with a bot token, the one value it cannot make up), then `docker-compose config`.

Each resolution is a docker-compose process, seconds on a busy machine, and the files do not
change during a run: each one is made once per process, and every test gets a copy of it."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from scripts.deployed_config import (
    COMPOSE_EXAMPLE,
    FAKE_BOT_TOKEN,
    Process,
    compose_processes,
    compose_services,
    new_env,
)


@functools.cache
def _example_env() -> Mapping[str, str]:
    return new_env(COMPOSE_EXAMPLE, BOT_TOKEN=FAKE_BOT_TOKEN)


@functools.cache
def _services(values: frozenset[tuple[str, str]]) -> dict[str, Any]:
    return compose_services(dict(values))


@functools.cache
def _processes(values: frozenset[tuple[str, str]]) -> dict[str, Process]:
    return {p.where.split(" ", 1)[1]: p for p in compose_processes(dict(values), "compose")}


def example_env(**values: str) -> dict[str, str]:
    """new-env.sh's env file for the example (its secrets made once), `values` on top."""
    return {**_example_env(), **values}


def services(env: Mapping[str, str]) -> dict[str, Any]:
    """docker-compose.yml's services resolved with `env` as its env file."""
    return copy.deepcopy(_services(frozenset(env.items())))


def processes(env: Mapping[str, str]) -> dict[str, Process]:
    """The GMBot processes docker-compose.yml starts with `env`, by compose service name."""
    return copy.deepcopy(_processes(frozenset(env.items())))
