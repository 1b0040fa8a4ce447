"""The gateway's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Self

from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator

from gmbot.runtime.settings import (
    SETTINGS_CONFIG,
    CallerTokens,
    ClientSettings,
    ProcessSettings,
    check_secret,
)
from gmbot.runtime.telegram import TelegramSettings

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class GatewaySettings(ProcessSettings, ClientSettings, CallerTokens, TelegramSettings):
    # WEBHOOK_URL= (empty, as compose passes `${WEBHOOK_URL:-}`) means long polling. AUTH_TOKEN
    # and AUTH_CALLERS (scope `operator`) say who may use the operators' dead-letter endpoints.
    model_config = SETTINGS_CONFIG

    tenancy_addr: str = "127.0.0.1:50051"
    membership_addr: str = "127.0.0.1:50052"
    enforcement_addr: str = "127.0.0.1:50053"
    # Update de-duplication and policy invalidation shared by replicas; in-process without it.
    # `redis://` for one Redis, `redis+cluster://node:port` for a Redis Cluster
    # (docs/redis-cluster.md).
    redis_url: str | None = None
    # Every key starts with this, so several deployments can share one Redis. No braces: a
    # hash tag is the first {...} of a key.
    redis_prefix: str = "gmbot:gateway:"
    # Secret of the "I have joined" buttons; enforcement signs them with the same key.
    callback_signing_key: SecretStr = Field(min_length=32)
    # Long polling unless a public webhook URL is set (then many replicas can share updates).
    webhook_url: HttpUrl | None = None
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # The webhook's HTTP server (in webhook mode only): the one port to publish.
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # The operators' port, never published: /healthz, /readyz, /metrics, the dead letters.
    admin_host: str = "127.0.0.1"
    admin_port: int = Field(default=9104, ge=0, le=65535)
    # The owners' Mini App: served on its own port when MINIAPP_URL (where Telegram opens it, an
    # HTTPS address the proxy sends to MINIAPP_PORT) is set; then the private chat's menu button,
    # /start, /stats and /muted open it.
    miniapp_url: HttpUrl | None = None
    miniapp_host: str = "127.0.0.1"
    miniapp_port: int = Field(default=8082, ge=0, le=65535)
    # How old Telegram's signed launch data may be (Telegram signs it when the app opens).
    miniapp_max_age_seconds: float = Field(default=86400.0, ge=60, le=7 * 86400)
    # Seconds a group's policy is trusted before tenancy is asked again (changes made through
    # this gateway, or announced through Redis, invalidate it at once).
    policy_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # How long a decision waits for a membership answer Telegram's budget holds back; then the
    # group's on-unknown policy applies and the message is judged again later.
    check_wait_seconds: float = Field(default=10.0, gt=0, le=60)
    # Seconds one update may be in hand; past it, it is logged with where it waits and delivered
    # again. Longer than a membership check may wait; shorter than Telegram waits for a webhook.
    update_deadline_seconds: float = Field(default=50.0, gt=0, le=55)
    # For how long an update whose back end cannot answer is delivered again (with growing
    # pauses) before it is set aside as a dead letter: an outage shorter than this sets nothing
    # aside. Telegram keeps an undelivered update 24 hours.
    update_redelivery_seconds: float = Field(default=23 * 3600, ge=0, le=24 * 3600)
    # Dead letters hold whole updates (personal data): deleted this many seconds after they
    # were set aside.
    dead_letter_retention_seconds: float = Field(default=7 * 86400, ge=60, le=90 * 86400)
    # Where dead letters are kept without Redis. With REDIS_URL they are kept in Redis only
    # (shared by every replica), and a Redis that cannot take one leaves its update unconfirmed.
    dead_letter_file: Path = Path("./data/gateway-dead-letters.jsonl")
    # Where long polling keeps, without Redis, the updates it took ahead of handling them (a
    # raid's backlog). With REDIS_URL they are kept in Redis.
    poll_spool_file: Path = Path("./data/gateway-poll-spool.jsonl")
    # Where a webhook gateway keeps, without Redis, the group messages it answered before
    # handling them. With REDIS_URL each replica keeps them in Redis.
    webhook_spool_file: Path = Path("./data/gateway-webhook-spool.jsonl")
    # Where the messages let through as unknown wait for their second look, without Redis (one
    # gateway). With REDIS_URL each replica keeps them in Redis; another takes over a dead one's.
    second_look_file: Path = Path("./data/gateway-second-looks.jsonl")
    # A member's "I have joined" pressed again within this many seconds is answered from the
    # last check, without asking Telegram again (0: every press checks).
    verify_repeat_seconds: float = Field(default=5.0, ge=0, le=300)
    # A settings panel posted in a group is deleted this many seconds after it was last used
    # (0: it stays). At most 48 hours: Telegram lets a bot delete a message that long.
    panel_ttl_seconds: int = Field(default=600, ge=0, le=48 * 3600)

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_it(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return check_secret(value, "WEBHOOK_SECRET")

    @field_validator("callback_signing_key")
    @classmethod
    def _signing_key_is_real(cls, value: SecretStr) -> SecretStr:
        return check_secret(value, "CALLBACK_SIGNING_KEY")

    @model_validator(mode="after")
    def _webhook_is_complete(self) -> Self:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("WEBHOOK_URL needs WEBHOOK_SECRET, or anyone could post updates")
        return self

    @model_validator(mode="after")
    def _a_check_fits_in_an_update(self) -> Self:
        if self.update_deadline_seconds <= self.check_wait_seconds:
            raise ValueError(
                "UPDATE_DEADLINE_SECONDS must be longer than CHECK_WAIT_SECONDS, or every update "
                "that waits for a membership check would be given up"
            )
        return self
