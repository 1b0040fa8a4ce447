"""free_port hands out ports outgoing connections never take, so a test pool's clients cannot
grab a service's port between the probe and the service's bind."""

from __future__ import annotations

import socket
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


def test_without_the_kernels_range_the_kernel_picks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stack, "_EPHEMERAL_RANGE", tmp_path / "absent")
    port = free_port()
    with socket.socket() as service:
        service.bind(("127.0.0.1", port))


@pytest.mark.skipif(not RANGE.exists(), reason="the kernel's range is Linux's")
def test_each_process_of_a_pool_picks_from_its_own_part(monkeypatch: pytest.MonkeyPatch) -> None:
    low = int(RANGE.read_text().split()[0])
    monkeypatch.setattr(stack, "_share", (0, 1))
    quarter = (low - 10_000) // 4
    stack.share_ports(2, 4)
    ports = {free_port() for _ in range(20)}
    assert all(10_000 + 2 * quarter <= port < 10_000 + 3 * quarter for port in ports)
