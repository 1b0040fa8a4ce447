"""What the operator CLI needs: where the services are and, for `doctor`, the bot."""

from __future__ import annotations

from pydantic import HttpUrl, SecretStr
from pydantic_settings import SettingsConfigDict

from gmbot.runtime.settings import ClientSettings
from gmbot.runtime.telegram import TELEGRAM


class CliSettings(ClientSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    tenancy_addr: str = "127.0.0.1:50051"
    membership_addr: str = "127.0.0.1:50052"
    enforcement_addr: str = "127.0.0.1:50053"
    # The gateway's HTTP port, for its dead letters.
    gateway_url: HttpUrl = HttpUrl("http://127.0.0.1:8080")
    bot_token: SecretStr | None = None
    telegram_api_url: HttpUrl = HttpUrl(TELEGRAM)
