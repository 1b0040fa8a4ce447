"""Membership's metrics (the gRPC layer's come from the runtime)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CHECKS = Counter(
    "gmbot_membership_checks_total",
    "Per-channel answers given, by result and where they came from.",
    ["result", "source"],
)
CACHE = Counter(
    "gmbot_membership_cache_total",
    "Cache lookups by outcome (hit, miss); the hit ratio is hit / (hit + miss).",
    ["outcome"],
)
TELEGRAM_CALLS = Counter(
    "gmbot_membership_telegram_calls_total",
    "Bot API calls made, by method and outcome (ok, or the error class).",
    ["method", "outcome"],
)
SINGLE_FLIGHT_JOINS = Counter(
    "gmbot_membership_single_flight_joins_total",
    "Checks that waited for a call already under way instead of making their own.",
    ["scope"],
)
REDIS_FALLBACKS = Counter(
    "gmbot_membership_redis_fallbacks_total",
    "Times Redis failed and this process's own cache answered instead.",
)
CHECK_SECONDS = Histogram(
    "gmbot_membership_check_seconds",
    "Time to answer one CheckMembership (all its channels).",
    ["fresh"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CHANGES_PUBLISHED = Counter(
    "gmbot_membership_changes_published_total",
    "Changes announced to the subscribers' near caches, by kind (answer, administrators).",
    ["kind"],
)
CHANGE_SUBSCRIBERS = Gauge(
    "gmbot_membership_change_subscribers",
    "Streams of changes open on this replica (one per gateway replica).",
)
