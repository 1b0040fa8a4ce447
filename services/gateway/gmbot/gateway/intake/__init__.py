"""Updates in: long polling or a webhook, both confirming an update only once it is handled, each
handled once (dedup) and, when it cannot be, kept as a dead letter."""
