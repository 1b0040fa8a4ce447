"""The budget's metrics, exported by every process that calls the Bot API."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

BUDGET_WAIT_SECONDS = Histogram(
    "gmbot_telegram_budget_wait_seconds",
    "Time a Bot API call waited for the shared budget, by priority and by consumer: the gRPC "
    "caller it was made for, or own (this process's own work).",
    ["priority", "consumer"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TELEGRAM_REQUESTS = Counter(
    "gmbot_telegram_requests_total",
    "Bot API requests this process made, by method and outcome (ok, retry_after, error).",
    ["method", "outcome"],
)
