"""Outbound: the Bot API and the work queue (Redis Streams or in-process)."""
