"""Tenancy's composition root: settings in, a runnable service out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gmbot.runtime.database import alembic_config, create_engine, migrate, wait_for_database
from gmbot.runtime.lifecycle import start_up
from gmbot.runtime.server import Service
from gmbot.tenancy.people import People
from gmbot.tenancy.registry import GroupRegistry
from gmbot.tenancy.server import TenancyServicer
from gmbot.tenancy.settings import TenancySettings
from gmbot.v1 import tenancy_pb2, tenancy_pb2_grpc

if TYPE_CHECKING:
    # Alembic is imported only to migrate (runtime.database): serving does without it.
    from alembic.config import Config

SERVICE_NAME = tenancy_pb2.DESCRIPTOR.services_by_name["TenancyService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "tenancy_alembic_version"


def migrations_config(database_url: str) -> Config:
    return alembic_config(MIGRATIONS, database_url, VERSION_TABLE)


async def build(settings: TenancySettings) -> Service:
    service = Service(name="tenancy", registrations=[], service_names=[SERVICE_NAME])
    async with start_up(service.resources) as resources:
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        resources.push_async_callback(engine.dispose)
        await wait_for_database(engine, settings.database_wait_seconds)
        if settings.migrate_on_start:
            await migrate(engine, migrations_config(settings.database_url))
        servicer = TenancyServicer(GroupRegistry(engine), People(engine))
        service.registrations = [
            lambda server: tenancy_pb2_grpc.add_TenancyServiceServicer_to_server(servicer, server)
        ]
        return service
