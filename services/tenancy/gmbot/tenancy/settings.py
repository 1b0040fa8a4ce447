"""Tenancy's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gmbot.runtime.settings import ServiceSettings, check_url_password


class TenancySettings(ServiceSettings):
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    # postgresql+asyncpg://user:pass@host/db in production; a SQLite file by default.
    database_url: str = "sqlite+aiosqlite:///./data/tenancy.db"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Seconds to wait for the database at start-up before giving up.
    database_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    # Apply pending migrations before serving (handy on one machine; use `migrate` in production).
    migrate_on_start: bool = False

    @field_validator("database_url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (e.g. postgresql+asyncpg://...)") from None
        if url.drivername not in {"postgresql+asyncpg", "sqlite+aiosqlite"}:
            raise ValueError(
                f"driver {url.drivername!r} is not supported: use postgresql+asyncpg or "
                "sqlite+aiosqlite"
            )
        return check_url_password(value, "DATABASE_URL")
