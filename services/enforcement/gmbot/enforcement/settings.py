"""Enforcement's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from gmbot.runtime.settings import ServiceSettings, check_secret, check_url_password
from gmbot.runtime.telegram import TelegramSettings


class EnforcementSettings(ServiceSettings, TelegramSettings):
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    metrics_port: int = Field(default=9103, ge=0, le=65535)
    database_url: str = "sqlite+aiosqlite:///./data/enforcement.db"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    migrate_on_start: bool = False
    # The queue and the shared rate limits; in-process when unset (one replica only).
    # `redis://` for one Redis, `redis+cluster://node:port` for a Redis Cluster
    # (docs/redis-cluster.md).
    redis_url: str | None = None
    redis_prefix: str = "gmbot:enforcement:"
    redis_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    # Signs the "I have joined" buttons; the gateway checks them with the same key.
    callback_signing_key: SecretStr = Field(min_length=32)
    # Actions carried out at once by this replica. Most of them wait for Telegram's budget (in
    # a raid, for the groups' 20 messages a minute), so this is many more than the cores.
    workers: int = Field(default=128, ge=1, le=1024)
    # Accepted but not yet done; past this, new actions are refused (RESOURCE_EXHAUSTED).
    queue_bound: int = Field(default=200_000, ge=100)
    # A mute lasts this long and is renewed while the member stays unverified, so a mute never
    # outlives GMBot by accident (Telegram reads < 30 s or > 366 days as forever).
    mute_days: float = Field(default=2.0, ge=1.0, le=300.0)
    # Messages to delete in one chat that come this close together go in one deleteMessages
    # call (a raid's violators' messages disappear within about this long of the decision).
    delete_batch_seconds: float = Field(default=1.0, ge=0, le=10)
    # Warnings for a group that come this close together are sent as one.
    warning_coalesce_seconds: float = Field(default=1.0, ge=0, le=30)
    # Lines for a log chat that come this close together are sent as one message (more join
    # while it waits for the chat's turn).
    log_coalesce_seconds: float = Field(default=5.0, ge=0, le=60)
    # How long GMBot trusts that its invite link still works before asking Telegram again
    # (nobody is told when an administrator revokes one).
    invite_link_check_seconds: float = Field(default=600, ge=0, le=86_400)
    # Retries of 5xx and network errors before an action is left for the sweeper.
    max_attempts: int = Field(default=6, ge=1, le=50)
    retry_base_seconds: float = Field(default=0.5, gt=0, le=60)
    # On SIGTERM, once the gRPC server stopped (SHUTDOWN_GRACE_SECONDS): how long the actions in
    # hand get to finish before they are handed back to the ledger for another replica. A pod's
    # terminationGracePeriodSeconds must cover both, and the preStop sleep.
    drain_seconds: float = Field(default=10.0, ge=0, le=300)
    # An action claimed by a worker that died is taken back after this long.
    lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Finished actions, lifted restrictions and decided join requests are deleted after this
    # long (an unfinished action or a restriction in force never is).
    ledger_retention_days: float = Field(default=90.0, ge=1, le=3650)
    # Observe mode: an owner hears what GMBot would have done at most once per this many
    # seconds per group.
    observe_digest_seconds: float = Field(default=3600.0, ge=1, le=86_400)

    @field_validator("callback_signing_key")
    @classmethod
    def _signing_key_is_real(cls, value: SecretStr) -> SecretStr:
        return check_secret(value, "CALLBACK_SIGNING_KEY")

    @field_validator("database_url")
    @classmethod
    def _no_placeholder_password(cls, value: str) -> str:
        return check_url_password(value, "DATABASE_URL")
