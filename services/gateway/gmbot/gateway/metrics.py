"""The gateway's own metrics; calls to the back ends are counted by the runtime's client
interceptor (grpc_client_handled_total, grpc_client_handling_seconds)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

UPDATES = Counter(
    "gmbot_gateway_updates_total",
    "Updates received, by type and outcome (handled, duplicate, retry, failed, busy).",
    ["type", "outcome"],
)
DECISION_SECONDS = Histogram(
    "gmbot_gateway_decision_seconds",
    "Time from receiving an update to its decision being accepted downstream.",
    ["type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DECISIONS = Counter(
    "gmbot_gateway_decisions_total",
    "Decisions taken, by flow and outcome (enforced, allowed, exempt, unknown-allowed, ...).",
    ["flow", "outcome"],
)
WEBHOOK_REJECTED = Counter(
    "gmbot_gateway_webhook_rejected_total",
    "Webhook requests refused or ignored, by reason (secret, body, type).",
    ["reason"],
)
NEAR_CACHE = Counter(
    "gmbot_gateway_near_cache_total",
    "Lookups in the answers kept next to the decision, by kind (answer, admins) and outcome.",
    ["kind", "outcome"],
)
SECOND_LOOKS = Counter(
    "gmbot_gateway_second_looks_total",
    "Messages let through as unknown and judged again, by outcome (settled, again, given_up, "
    "dropped; hurried: brought forward by an answer about the sender; not_kept: waiting in this "
    "process only, its store failed; resumed, taken_over: kept by the last process or by a "
    "replica that died, taken here).",
    ["outcome"],
)
DEAD_LETTERS = Counter(
    "gmbot_gateway_dead_letters_total",
    "Updates set aside for people (a back end kept failing, or an error retrying cannot fix).",
    ["type"],
)
