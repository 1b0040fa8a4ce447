"""`python -m gmbot.tenancy [serve|migrate]`: serve the gRPC API, or bring the schema up to date."""

from __future__ import annotations

import argparse
import asyncio

from gmbot.runtime.database import migrate_to_head
from gmbot.runtime.logs import configure_logging
from gmbot.runtime.server import run
from gmbot.runtime.settings import load_settings
from gmbot.tenancy.app import build, migrations_config
from gmbot.tenancy.settings import TenancySettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="gmbot-tenancy", description=__doc__)
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    command = parser.parse_args().command
    settings = load_settings(TenancySettings)
    if command == "migrate":
        configure_logging("tenancy", settings.log_level, settings.log_format)
        asyncio.run(
            migrate_to_head(
                settings.database_url,
                migrations_config(settings.database_url),
                settings.database_wait_seconds,
            )
        )
    else:
        run("tenancy", settings, lambda: build(settings))


if __name__ == "__main__":
    main()
