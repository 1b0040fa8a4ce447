"""Alembic environment of enforcement's ledger."""

from gmbot.enforcement.storage.models import Base
from gmbot.runtime.migrations import run_env

run_env(Base.metadata, version_table="enforcement_alembic_version")
