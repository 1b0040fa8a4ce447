"""Updates in: long polling or a webhook, both confirming an update only once it is handled."""
