"""Alembic environment of tenancy's schema."""

from gmbot.runtime.migrations import run_env
from gmbot.tenancy.models import Base

run_env(Base.metadata, version_table="tenancy_alembic_version")
