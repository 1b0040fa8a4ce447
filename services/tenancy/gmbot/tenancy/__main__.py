"""`python -m gmbot.tenancy [serve|migrate]`: serve the gRPC API, or bring the schema up to date."""

from __future__ import annotations

import argparse
import asyncio

import structlog

from gmbot.runtime.database import create_engine, migrate, safe_url, wait_for_database
from gmbot.runtime.logs import configure_logging
from gmbot.runtime.server import run
from gmbot.runtime.settings import load_settings
from gmbot.tenancy.app import build, migrations_config
from gmbot.tenancy.settings import TenancySettings


async def _migrate(settings: TenancySettings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await wait_for_database(engine, settings.database_wait_seconds)
        await migrate(engine, migrations_config(settings.database_url))
    finally:
        await engine.dispose()
    structlog.get_logger().info("migrated", database=safe_url(settings.database_url))


def main() -> None:
    parser = argparse.ArgumentParser(prog="gmbot-tenancy", description=__doc__)
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    command = parser.parse_args().command
    settings = load_settings(TenancySettings)
    if command == "migrate":
        configure_logging("tenancy", settings.log_level, settings.log_format)
        asyncio.run(_migrate(settings))
    else:
        run("tenancy", settings, lambda: build(settings))


if __name__ == "__main__":
    main()
