"""free_port hands out ports outgoing connections never take, so a test pool's clients cannot
grab a service's port between the probe and the service's bind."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gmbot.devstack import stack
from gmbot.devstack.stack import free_port

RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@pytest.mark.skipif(not RANGE.exists(), reason="the kernel's range is Linux's")
def test_a_port_below_the_ephemeral_range_that_binds() -> None:
    low = int(RANGE.read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(10_000 <= port < low for port in ports)
    assert len(ports) > 1  # picked at random, not one port for every caller
    with socket.socket() as service:
        service.bind(("127.0.0.1", ports.pop()))


@pytest.mark.skipif(not RANGE.exists(), reason="the kernel's range is Linux's")
def test_a_port_is_never_handed_out_twice_though_nothing_bound_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stack picks every port before its services bind any: all of them differ."""
    low = int(RANGE.read_text().split()[0])
    monkeypatch.setattr(stack, "_handed_out", set())
    monkeypatch.setattr(stack, "_share", (0, (low - 10_000) // 1_200))  # about 1,200 ports
    ports = [free_port() for _ in range(400)]
    assert len(set(ports)) == len(ports)


def test_without_the_kernels_range_the_kernel_picks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stack, "_EPHEMERAL_RANGE", tmp_path / "absent")
    port = free_port()
    with socket.socket() as service:
        service.bind(("127.0.0.1", port))


@pytest.mark.skipif(not RANGE.exists(), reason="the kernel's range is Linux's")
def test_each_process_of_a_pool_and_what_it_starts_pick_from_parts_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low = int(RANGE.read_text().split()[0])
    monkeypatch.setattr(stack, "_share", (0, 1))
    monkeypatch.setenv(stack.PORT_SHARE_VARIABLE, "0/1")  # restored when the test ends
    eighth = (low - 10_000) // 8
    stack.share_ports(2, 4)  # the third of four: the fifth and sixth eighths
    ports = {free_port() for _ in range(20)}
    assert all(10_000 + 4 * eighth <= port < 10_000 + 5 * eighth for port in ports)
    child = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", PICK_TWENTY], capture_output=True, text=True, check=True
    )
    started = {int(port) for port in child.stdout.split()}
    assert all(10_000 + 5 * eighth <= port < 10_000 + 6 * eighth for port in started)


PICK_TWENTY = "from gmbot.devstack.stack import free_port\nprint(*(free_port() for _ in range(20)))"
