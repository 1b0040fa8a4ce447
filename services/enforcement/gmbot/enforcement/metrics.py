"""Enforcement's metrics (the gRPC layer's come from the runtime)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ACTIONS = Counter(
    "gmbot_enforcement_actions_total",
    "Actions finished, by kind and final state (done, failed, skipped).",
    ["kind", "state"],
)
ACCEPTED = Counter(
    "gmbot_enforcement_accepted_total",
    "Actions accepted, by kind; repeats of an idempotency key are counted as duplicate, and "
    "actions of observe mode (recorded, never carried out) as observed.",
    ["kind", "outcome"],
)
BACKLOG = Gauge(
    "gmbot_enforcement_backlog",
    "Actions accepted and not yet finished (the queue's depth, from the ledger).",
)
TELEGRAM_CALLS = Counter(
    "gmbot_enforcement_telegram_calls_total",
    "Bot API calls made, by method and outcome (ok, retry_after, server_error, refused).",
    ["method", "outcome"],
)
RATE_LIMIT_WAIT_SECONDS = Histogram(
    "gmbot_enforcement_rate_limit_wait_seconds",
    "Time a Bot API call waited for the shared budget.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RETRIES = Counter(
    "gmbot_enforcement_retries_total",
    "Actions put back for later, by reason.",
    ["reason"],
)
ACTION_SECONDS = Histogram(
    "gmbot_enforcement_action_seconds",
    "Time from acceptance to the end of an action.",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
)
WORKERS_HEALTHY = Gauge(
    "gmbot_enforcement_workers_healthy",
    "Worker loops whose last round worked (took, claimed, recorded); fewer than WORKERS while "
    "PostgreSQL or Redis cannot be reached.",
)
WORKER_FAILURES = Counter(
    "gmbot_enforcement_worker_failures_total",
    "Rounds of a supervised loop that failed and were tried again after a backoff, by loop "
    "(worker, sweeper, pruner).",
    ["loop"],
)
LEDGER_PRUNED = Counter(
    "gmbot_enforcement_ledger_pruned_total",
    "Ledger rows deleted past LEDGER_RETENTION_DAYS, by table (actions, restrictions, warnings, "
    "join_requests, releases, activity).",
    ["table"],
)
