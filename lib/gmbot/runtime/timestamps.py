"""Between protobuf's Timestamp and the times the services keep (Unix seconds, aware datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(value: float | datetime) -> Timestamp:
    """Unix seconds, or a datetime (naive ones are read as UTC, as the ledgers store them)."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    stamp = Timestamp()
    stamp.FromNanoseconds(int(value * 1e9))
    return stamp


def to_seconds(stamp: Timestamp) -> float:
    return stamp.ToNanoseconds() / 1e9
