"""What the operator CLI needs: where the services are and, for `doctor` and `reconcile`, the
bot."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import HttpUrl, SecretStr

from gmbot.runtime.settings import SETTINGS_CONFIG, ClientSettings
from gmbot.runtime.telegram import TELEGRAM

# `make run` writes the token and the services' addresses here; grpcurl users source it.
CONFIG_FILE_VARIABLE = "GMBOT_CONFIG"
DEFAULT_CONFIG_FILE = Path("data") / "gmbot.env"


class CliSettings(ClientSettings):
    model_config = SETTINGS_CONFIG

    tenancy_addr: str = "127.0.0.1:50051"
    membership_addr: str = "127.0.0.1:50052"
    enforcement_addr: str = "127.0.0.1:50053"
    # The gateway's operators' port (ADMIN_PORT), for its dead letters.
    gateway_url: HttpUrl = HttpUrl("http://127.0.0.1:9104")
    bot_token: SecretStr | None = None
    telegram_api_url: HttpUrl = HttpUrl(TELEGRAM)
    # The services' Redis, where the Bot API budget `reconcile` draws from lives when they use
    # one; without it the budget is leased from enforcement.
    # `redis://` for one Redis, `redis+cluster://node:port` for a Redis Cluster
    # (docs/redis-cluster.md).
    redis_url: str | None = None
    # The budget's place in that Redis when the services were given another (BUDGET_REDIS_PREFIX).
    budget_redis_prefix: str | None = None

    @classmethod
    def load(cls) -> CliSettings:
        """The environment first, then the file $GMBOT_CONFIG (or data/gmbot.env), then .env."""
        named = os.environ.get(CONFIG_FILE_VARIABLE)
        config = Path(named) if named else DEFAULT_CONFIG_FILE
        if named and not config.is_file():
            raise FileNotFoundError(f"{CONFIG_FILE_VARIABLE}={named}: no such file")
        files = (".env", config) if config.is_file() else (".env",)
        return cls(_env_file=files)
