"""The postgres and redis markers come from the fixtures a test uses, directly or through another
fixture (tests/conftest.py), so `pytest -m "not postgres and not redis"` runs what needs neither."""

from __future__ import annotations

import pytest


@pytest.fixture
def cache(redis_url: str) -> str:
    return redis_url


def _markers(request: pytest.FixtureRequest) -> set[str]:
    return {mark.name for mark in request.node.iter_markers()} & {"postgres", "redis"}


def test_a_test_on_postgres_is_marked_postgres(
    request: pytest.FixtureRequest, postgres_server_url: str
) -> None:
    assert _markers(request) == {"postgres"}


def test_a_test_on_redis_through_another_fixture_is_marked_redis(
    request: pytest.FixtureRequest, cache: str
) -> None:
    assert _markers(request) == {"redis"}


def test_a_test_on_neither_is_marked_with_neither(request: pytest.FixtureRequest) -> None:
    assert _markers(request) == set()


def test_a_test_on_the_redis_cluster_alone_is_marked_redis(
    request: pytest.FixtureRequest, redis_cluster_url: str
) -> None:
    assert _markers(request) == {"redis"}


@pytest.mark.redis_cluster
def test_a_test_marked_redis_cluster_runs_on_one_redis_and_on_the_cluster(
    request: pytest.FixtureRequest, redis_url: str
) -> None:
    on_the_cluster = request.node.callspec.params["redis_url"] == "redis-cluster"
    assert ("+cluster://" in redis_url) == on_the_cluster
    assert _markers(request) == {"redis"}
