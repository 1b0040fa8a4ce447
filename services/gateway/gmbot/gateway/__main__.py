"""`python -m gmbot.gateway [check-config]`: the bot, by long polling or behind a webhook; or
check the configuration (exit 0, or 2 naming every bad variable)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from gmbot.gateway.settings import GatewaySettings
from gmbot.runtime.logs import configure_logging
from gmbot.runtime.observability import init_sentry, secrets_of
from gmbot.runtime.settings import CHECK_CONFIG, check_config, load_settings


def main() -> None:
    if sys.argv[1:] == [CHECK_CONFIG]:
        sys.exit(check_config(GatewaySettings))
    # The service itself is imported once the check is out of the way: `check-config` needs
    # only the settings, and answers in a fraction of the time.
    from gmbot.gateway.app import run_gateway

    settings = load_settings(GatewaySettings)
    secrets = secrets_of(settings)
    configure_logging("gateway", settings.log_level, settings.log_format, secrets=secrets)
    # aiogram logs every handled update at INFO; the pipeline's own line (with the request id)
    # says the same at DEBUG, so a busy group does not cost two log lines a message.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, logging.getLogger().level))
    init_sentry(
        settings.sentry_dsn, service="gateway", environment=settings.environment, secrets=secrets
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_gateway(settings, stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
