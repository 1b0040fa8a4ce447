"""The whole of GMBot as processes on loopback ports."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gmbot.devstack.processes import Child, wait_http, wait_serving

BACKENDS = ("tenancy", "membership", "enforcement")
# Migrated before they serve, each by a `migrate` process of its own (as an init container
# does): a serving process that migrated itself would keep alembic loaded (about 14 MiB).
MIGRATED = ("tenancy", "enforcement")


# Ports handed out below the kernel's ephemeral range: a port the kernel picked (port 0) is
# also what it gives the next outgoing connection, so between this probe and the service's own
# bind a client socket could take it ("address already in use" in a busy test pool).
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PORT = 10000


# This process's part of the range (index, of how many): see share_ports. A process started by
# one that shares (`make run` in a test) is given a part of its own in PORT_SHARE_VARIABLE.
PORT_SHARE_VARIABLE = "GMBOT_PORT_SHARE"


def _inherited_share() -> tuple[int, int]:
    index, _, parts = os.environ.get(PORT_SHARE_VARIABLE, "0/1").partition("/")
    return int(index), int(parts)


_share = _inherited_share()
# Every port this process handed out: a stack picks all its ports before any service binds one,
# and two picks of one port (a tenancy's metrics and a gateway's admin port, 1 in ~80 starts of
# a twelve-port stack) left the later service unable to start.
_handed_out: set[int] = set()


def share_ports(index: int, parts: int) -> None:
    """Processes that start services at the same time (a pytest-xdist pool) each pick from a
    part of the range of their own: two picking the same port before either bound it had the
    second's gRPC server share the first's port (SO_REUSEPORT) and half its calls. The processes
    each one starts (a `make run`) pick from a part of their own too: half of the part."""
    global _share
    _share = (2 * index, 2 * parts)
    os.environ[PORT_SHARE_VARIABLE] = f"{2 * index + 1}/{2 * parts}"


def free_port() -> int:
    """A loopback port nothing listens on now, outside the range outgoing connections use, in
    this process's part of it."""
    try:
        ephemeral_low = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 0  # not Linux: the kernel's pick below is all there is
    index, parts = _share
    width = (ephemeral_low - _LOWEST_PORT) // parts
    low = _LOWEST_PORT + index * width
    pick = secrets.SystemRandom()
    tries = 100 if width > 1000 else 0
    for port in (pick.randrange(low, low + width) for _ in range(tries)):
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class StackConfig:
    """How to run the stack. Unset URLs mean the one-machine defaults (SQLite, in-process)."""

    data_dir: Path
    bot_token: str
    telegram_api_url: str
    tenancy_database_url: str | None = None
    enforcement_database_url: str | None = None
    redis_url: str | None = None
    # Webhook mode: the gateway registers http://127.0.0.1:<port>/telegram/webhook.
    webhook: bool = False
    log_dir: Path | None = None
    # Serve the owners' Mini App on this port (0: any free one), at http://127.0.0.1:<port>/:
    # for the sandbox only, as Telegram opens Mini Apps over HTTPS alone.
    miniapp_port: int | None = None
    log_format: str = "json"
    # The databases are at head already (copies of a migrated template, as the tests make
    # them): no migrate process before the services start.
    migrated: bool = False
    # Extra environment per service name ("gateway", "tenancy", ...).
    env: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class RunningStack:
    config: StackConfig
    children: dict[str, Child]
    addresses: dict[str, str]
    gateway_url: str  # the gateway's operators' port: health, metrics, dead letters
    auth_token: str
    signing_key: str
    miniapp_url: str | None = None

    def child(self, name: str) -> Child:
        return self.children[name]

    async def restart(self, name: str) -> None:
        """Starts a stopped (or killed) service again, on the same port and storage."""
        child = self.children[name]
        await child.stop()
        await child.start(self.config.log_dir)
        if name in BACKENDS:
            await wait_serving(name, self.addresses[name], child)
        else:
            await wait_http(name, f"{self.gateway_url}/healthz", child)


def _service_env(
    config: StackConfig, name: str, port: int, token: str, key: str, budget_addr: str
) -> dict[str, str]:
    env = {
        "AUTH_TOKEN": token,
        "GRPC_HOST": "127.0.0.1",
        "GRPC_PORT": str(port),
        "METRICS_PORT": str(free_port()),
        "LOG_FORMAT": config.log_format,
        "BOT_TOKEN": config.bot_token,
        "TELEGRAM_API_URL": config.telegram_api_url,
        "CALLBACK_SIGNING_KEY": key,
        "SHUTDOWN_GRACE_SECONDS": "5",
    }
    database = {
        "tenancy": config.tenancy_database_url
        or f"sqlite+aiosqlite:///{config.data_dir / 'tenancy.db'}",
        "enforcement": config.enforcement_database_url
        or f"sqlite+aiosqlite:///{config.data_dir / 'enforcement.db'}",
    }
    if name in database:
        env["DATABASE_URL"] = database[name]
    if config.redis_url and name != "tenancy":
        env["REDIS_URL"] = config.redis_url
    if name == "membership":  # without Redis, Telegram's budget is leased from enforcement
        env["BUDGET_ADDR"] = budget_addr
    return {**env, **config.env.get(name, {})}


def _gateway_env(
    config: StackConfig, token: str, key: str, addresses: dict[str, str], admin_port: int
) -> dict[str, str]:
    http_port = free_port()
    env = {
        "AUTH_TOKEN": token,
        "BOT_TOKEN": config.bot_token,
        "TELEGRAM_API_URL": config.telegram_api_url,
        "CALLBACK_SIGNING_KEY": key,
        "TENANCY_ADDR": addresses["tenancy"],
        "MEMBERSHIP_ADDR": addresses["membership"],
        "ENFORCEMENT_ADDR": addresses["enforcement"],
        "BUDGET_ADDR": addresses["enforcement"],
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(http_port),
        "ADMIN_HOST": "127.0.0.1",
        "ADMIN_PORT": str(admin_port),
        "LOG_FORMAT": config.log_format,
        "SHUTDOWN_GRACE_SECONDS": "5",
        # Without Redis the gateway keeps these in files: the stack's own, not the working
        # directory's (stacks side by side must not share them).
        "POLL_SPOOL_FILE": str(config.data_dir / "gateway-poll-spool.jsonl"),
        "WEBHOOK_SPOOL_FILE": str(config.data_dir / "gateway-webhook-spool.jsonl"),
        "SECOND_LOOK_FILE": str(config.data_dir / "gateway-second-looks.jsonl"),
        "DEAD_LETTER_FILE": str(config.data_dir / "gateway-dead-letters.jsonl"),
    }
    if config.miniapp_port is not None:
        miniapp_port = config.miniapp_port or free_port()
        env["MINIAPP_URL"] = f"http://127.0.0.1:{miniapp_port}/"
        env["MINIAPP_PORT"] = str(miniapp_port)
    if config.redis_url:
        env["REDIS_URL"] = config.redis_url
    if config.webhook:
        env["WEBHOOK_URL"] = f"http://127.0.0.1:{http_port}/telegram/webhook"
        env["WEBHOOK_SECRET"] = secrets.token_urlsafe(32)
    return {**env, **config.env.get("gateway", {})}


async def _migrate(service: Child, log_dir: Path | None) -> None:
    """Brings the service's schema to head, in a process that exits once it has."""
    migrator = Child(f"{service.name}-migrate", service.module, service.env, ["migrate"])
    await migrator.start(log_dir)
    if await migrator.wait() != 0:
        raise RuntimeError(f"{service.name}: migrating its database failed (see its log)")


@asynccontextmanager
async def running_stack(config: StackConfig) -> AsyncIterator[RunningStack]:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(24)
    key = secrets.token_hex(32)
    ports = {name: free_port() for name in BACKENDS}
    addresses = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
    children = {
        name: Child(
            name,
            f"gmbot.{name}",
            _service_env(config, name, ports[name], token, key, addresses["enforcement"]),
        )
        for name in BACKENDS
    }
    admin_port = free_port()
    gateway_env = _gateway_env(config, token, key, addresses, admin_port)
    gateway_url = f"http://127.0.0.1:{admin_port}"
    children["gateway"] = Child("gateway", "gmbot.gateway", gateway_env)
    stack = RunningStack(
        config, children, addresses, gateway_url, token, key, gateway_env.get("MINIAPP_URL")
    )
    if not config.migrated:
        await asyncio.gather(*(_migrate(children[name], config.log_dir) for name in MIGRATED))
    try:
        for name in BACKENDS:
            await children[name].start(config.log_dir)
        await asyncio.gather(
            *(wait_serving(name, addresses[name], children[name]) for name in BACKENDS)
        )
        await children["gateway"].start(config.log_dir)
        await wait_http("gateway", f"{gateway_url}/readyz", children["gateway"])
        yield stack
    finally:
        await children["gateway"].stop()
        await asyncio.gather(*(children[name].stop() for name in BACKENDS))
