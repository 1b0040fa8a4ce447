"""REDIS_URL names one Redis or a Redis Cluster by its scheme, as DATABASE_URL names its driver."""

from __future__ import annotations

import pytest

from gmbot.runtime.redis import cluster_url


@pytest.mark.parametrize(
    ("url", "node"),
    [
        ("redis+cluster://127.0.0.1:7000", "redis://127.0.0.1:7000"),
        ("rediss+cluster://:secret@node-1.internal:6380", "rediss://:secret@node-1.internal:6380"),
        ("Redis+Cluster://node:7000", "redis://node:7000"),
        ("redis://127.0.0.1:6379/0", None),
        ("rediss://redis.internal:6380/0", None),
        ("unix:///run/redis.sock", None),
    ],
)
def test_a_cluster_is_named_by_its_scheme(url: str, node: str | None) -> None:
    assert cluster_url(url) == node
