"""Membership's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field

from gmbot.runtime.settings import ServiceSettings
from gmbot.runtime.telegram import TelegramSettings


class MembershipSettings(ServiceSettings, TelegramSettings):
    grpc_port: int = Field(default=50052, ge=0, le=65535)
    metrics_port: int = Field(default=9102, ge=0, le=65535)
    # Shared cache of every replica; in-process when unset (nothing here is the only copy).
    # `redis://` for one Redis, `redis+cluster://node:port` for a Redis Cluster
    # (docs/redis-cluster.md).
    redis_url: str | None = None
    # Every key starts with this, so several deployments can share one Redis. No braces: a
    # hash tag is the first {...} of a key.
    redis_prefix: str = "gmbot:membership:"
    redis_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    # How long answers are trusted (±15 % jitter). Events keep members current, so a positive
    # answer may live for hours; the TTL is the safety net for events missed while down.
    member_ttl_seconds: float = Field(default=6 * 3600, gt=0, le=7 * 86400)
    not_member_ttl_seconds: float = Field(default=60, gt=0, le=86400)
    admins_ttl_seconds: float = Field(default=600, gt=0, le=86400)
    # How long a user counts as present in a group after their last message or join.
    presence_days: float = Field(default=30, gt=0, le=365)
    # Bot API calls this replica makes at once; a batch spends at most its own budget of them.
    telegram_concurrency: int = Field(default=8, ge=1, le=100)
    batch_default_calls: int = Field(default=50, ge=1, le=1000)
