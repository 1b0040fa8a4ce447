"""`python -m gmbot.gateway [check-config]`: the bot, by long polling or behind a webhook; or
check the configuration (exit 0, or 2 naming every bad variable)."""

from __future__ import annotations

import sys

from gmbot.gateway.settings import GatewaySettings
from gmbot.runtime.aiogram_types import import_aiogram
from gmbot.runtime.settings import CHECK_CONFIG, check_config, load_settings


def main() -> None:
    if sys.argv[1:] == [CHECK_CONFIG]:
        sys.exit(check_config(GatewaySettings))
    # The service itself is imported once the check is out of the way: `check-config` needs
    # only the settings, and answers in a fraction of the time.
    import_aiogram()  # before anything imports it: its types built when first used
    from gmbot.gateway.app import serve
    from gmbot.runtime.lifecycle import run

    settings = load_settings(GatewaySettings)
    run("gateway", settings, lambda: serve(settings))


if __name__ == "__main__":
    main()
