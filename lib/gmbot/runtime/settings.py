"""Settings shared by every gRPC service, read from the environment (and a `.env` file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values people paste from examples; a service guarded by one of them is not guarded.
_PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "secret", "token", "password", "example"}
)
MIN_TOKEN_LENGTH = 16


def _check_secret(value: SecretStr | None, name: str) -> SecretStr | None:
    if value is None:
        return None
    raw = value.get_secret_value()
    if raw.strip().lower() in _PLACEHOLDER_SECRETS or "replace" in raw.lower():
        raise ValueError(f"{name} is a placeholder; generate one, e.g. `openssl rand -hex 32`")
    if len(raw) < MIN_TOKEN_LENGTH:
        raise ValueError(f"{name} must be at least {MIN_TOKEN_LENGTH} characters")
    return value


class ServiceSettings(BaseSettings):
    """What every gRPC service needs; each service subclasses it with its own fields."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    # Bearer token callers must present (`authorization: Bearer <token>`). No token, no service.
    auth_token: SecretStr
    # TLS when both are set; with a client CA too, callers must present a certificate (mTLS).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    # Prometheus metrics on their own HTTP port (0: any free port).
    metrics_enabled: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    sentry_dsn: SecretStr | None = None
    environment: str = "development"
    # Seconds that calls in flight get to finish after SIGTERM.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # Calls served at once; past it a call is refused with RESOURCE_EXHAUSTED (callers retry).
    grpc_max_concurrent_rpcs: int = Field(default=1000, ge=1, le=100_000)
    # The largest request accepted, in bytes; a larger one is refused with RESOURCE_EXHAUSTED.
    # GMBot's biggest requests (a batch of 200 users x 20 channels) are a few kilobytes.
    grpc_max_message_bytes: int = Field(default=1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024)

    @field_validator("auth_token")
    @classmethod
    def _token_is_real(cls, value: SecretStr) -> SecretStr:
        checked = _check_secret(value, "AUTH_TOKEN")
        assert checked is not None  # noqa: S101 - a SecretStr in, a SecretStr out
        return checked

    @field_validator("tls_cert_file", "tls_key_file", "tls_client_ca_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _tls_is_complete(self) -> Self:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("TLS_CERT_FILE and TLS_KEY_FILE must be set together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("TLS_CLIENT_CA_FILE (mTLS) needs TLS_CERT_FILE and TLS_KEY_FILE")
        return self


class ClientSettings(BaseSettings):
    """How a process reaches the gRPC services it calls."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    auth_token: SecretStr
    # PEM of the CA that signed the services' certificates; set it to talk TLS.
    tls_ca_file: Path | None = None
    # The client's own certificate and key, for services that require mTLS.
    tls_client_cert_file: Path | None = None
    tls_client_key_file: Path | None = None
    # Deadline of every call unless the caller sets a shorter one, in seconds.
    grpc_deadline_seconds: float = Field(default=2.0, gt=0, le=60)


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def describe_errors(error: ValidationError) -> str:
    """One line per bad variable, named as it is set in the environment."""
    lines = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper() or "(settings)"
        lines.append(f"  {name}: {item['msg']}")
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Reads the settings or stops the process with a message naming each bad variable."""
    try:
        return cls()
    except ValidationError as error:
        sys.stderr.write(describe_errors(error) + "\n")
        raise SystemExit(2) from None
