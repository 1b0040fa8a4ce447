"""What the operator CLI needs: where the services are and, for `doctor`, the bot."""

from __future__ import annotations

from pydantic import HttpUrl, SecretStr

from gmbot.runtime.settings import SETTINGS_CONFIG, ClientSettings
from gmbot.runtime.telegram import TELEGRAM


class CliSettings(ClientSettings):
    model_config = SETTINGS_CONFIG

    tenancy_addr: str = "127.0.0.1:50051"
    membership_addr: str = "127.0.0.1:50052"
    enforcement_addr: str = "127.0.0.1:50053"
    bot_token: SecretStr | None = None
    telegram_api_url: HttpUrl = HttpUrl(TELEGRAM)
