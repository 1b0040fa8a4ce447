"""Settings shared by every gRPC service, read from the environment (and a `.env` file)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Literal, Self, TypeVar, overload

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from gmbot.runtime.callers import CallerConfigError, Callers, placeholder_problem, read_entries
from gmbot.runtime.quotas import QuotaSettings

# An empty variable counts as unset: compose's `${WEBHOOK_URL:-}` and Kubernetes' optional keys
# hand a process `NAME=` for "not configured", which must not fail validation as a bad value.
_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
SETTINGS_CONFIG = SettingsConfigDict(
    env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
)


@overload
def check_secret(value: SecretStr, name: str) -> SecretStr: ...
@overload
def check_secret(value: SecretStr | None, name: str) -> SecretStr | None: ...
def check_secret(value: SecretStr | None, name: str) -> SecretStr | None:
    """Refuses a placeholder or a short secret, naming the variable."""
    if value is None:
        return None
    problem = placeholder_problem(value.get_secret_value(), name)
    if problem:
        raise ValueError(problem)
    return value


def check_url_password(url: str, name: str) -> str:
    """Refuses a URL whose password is an example's placeholder (`…:replace-me@db/…`)."""
    match = _PASSWORD_IN_URL.search(url)
    password = match.group(0)[len(match.group(1)) : -1] if match else ""
    if "replace" in password.lower() or "placeholder" in password.lower():
        raise ValueError(
            f"{name} holds a placeholder password; generate one (openssl rand -hex 32)"
        )
    return url


class ProcessSettings(BaseSettings):
    """What every GMBot process needs to run and stop (gmbot.runtime.lifecycle): its logs, its
    error reports, and the time it gives work in flight when told to stop."""

    model_config = SETTINGS_CONFIG

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    sentry_dsn: SecretStr | None = None
    environment: str = "development"
    # Seconds that work in flight (calls, updates in hand) gets to finish after SIGTERM.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)


class CallerTokens(BaseSettings):
    """Who may call this process, each with a token of their own (gmbot.runtime.callers): the
    gRPC services, and the gateway's operators' endpoints."""

    model_config = SETTINGS_CONFIG

    # `NAME:SCOPES:sha256:DIGEST` (or `NAME:SCOPES:TOKEN`) entries, inline and/or in a file (a
    # mounted secret).
    auth_callers: SecretStr | None = None
    auth_callers_file: Path | None = None

    @field_validator("auth_callers_file")
    @classmethod
    def _callers_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("auth_callers")
    @classmethod
    def _callers_parse(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                Callers.build(None, value.get_secret_value())
            except CallerConfigError as error:
                raise ValueError(str(error)) from None
        return value

    def known_callers(self, shared_token: SecretStr | None) -> Callers:
        """The tokens accepted: `shared_token` (may call everything) and AUTH_CALLERS'."""
        try:
            entries = read_entries(
                self.auth_callers.get_secret_value() if self.auth_callers else None,
                self.auth_callers_file,
            )
            shared = shared_token.get_secret_value() if shared_token else None
            return Callers.build(shared, entries)
        except CallerConfigError as error:
            raise ValueError(f"AUTH_CALLERS: {error}") from None


class ServiceSettings(QuotaSettings, CallerTokens, ProcessSettings):
    """What every gRPC service needs; each service subclasses it with its own fields."""

    model_config = SETTINGS_CONFIG

    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    # The shared bearer token (`authorization: Bearer <token>`): whoever presents it may call
    # everything. The simple default; optional once AUTH_CALLERS names every caller (declared
    # after AUTH_CALLERS, so its check sees them).
    auth_token: SecretStr | None = Field(default=None, validate_default=True)
    # The token this process presents when it calls another service (membership leasing the
    # Bot API budget); AUTH_TOKEN when unset.
    caller_token: SecretStr | None = None
    # TLS when both are set; with a client CA too, callers must present a certificate (mTLS).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    # Prometheus metrics on their own HTTP port (0: any free port).
    metrics_enabled: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    # Calls served at once; past it a call is refused with RESOURCE_EXHAUSTED (callers retry).
    grpc_max_concurrent_rpcs: int = Field(default=1000, ge=1, le=100_000)
    # Health/Watch streams open at once (anybody may open one): a few of those calls, never all.
    grpc_max_health_watchers: int = Field(default=16, ge=0, le=1000)
    # The largest request accepted, in bytes; a larger one is refused with RESOURCE_EXHAUSTED.
    # GMBot's biggest requests (a batch of 200 users x 20 channels) are a few kilobytes.
    grpc_max_message_bytes: int = Field(default=1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024)
    # A connection is closed (GOAWAY) after this long, its calls in flight given the grace time:
    # clients reconnect, and so spread onto the replicas an autoscaler added since.
    grpc_max_connection_age_seconds: float = Field(default=300.0, gt=0, le=86_400)
    grpc_max_connection_age_grace_seconds: float = Field(default=30.0, ge=0, le=3600)

    @field_validator("auth_token")
    @classmethod
    def _token_is_real(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("auth_callers") is None and info.data.get("auth_callers_file") is None:
                raise ValueError("Field required (or give every caller a token in AUTH_CALLERS)")
            return None
        return check_secret(value, "AUTH_TOKEN")

    @field_validator("caller_token")
    @classmethod
    def _caller_token_is_real(cls, value: SecretStr | None) -> SecretStr | None:
        return check_secret(value, "CALLER_TOKEN")

    @field_validator("tls_cert_file", "tls_key_file", "tls_client_ca_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _callers_are_consistent(self) -> Self:
        self.callers()
        return self

    def as_client(self) -> ClientSettings:
        """How this service calls another (membership leasing the budget): with CALLER_TOKEN,
        or AUTH_TOKEN. A service that knows its callers only by AUTH_CALLERS and has no token of
        its own may call nothing: fine until it tries (then `presented_token` says why)."""
        if self.auth_token is None and self.caller_token is None:
            return ClientSettings.model_construct(auth_token=None, caller_token=None)
        return ClientSettings(auth_token=self.auth_token, caller_token=self.caller_token)

    def callers(self) -> Callers:
        """The tokens this service accepts and who presents each."""
        return self.known_callers(self.auth_token)

    @model_validator(mode="after")
    def _tls_is_complete(self) -> Self:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("TLS_CERT_FILE and TLS_KEY_FILE must be set together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("TLS_CLIENT_CA_FILE (mTLS) needs TLS_CERT_FILE and TLS_KEY_FILE")
        return self

    @model_validator(mode="after")
    def _watchers_leave_room(self) -> Self:
        if self.grpc_max_health_watchers >= self.grpc_max_concurrent_rpcs:
            raise ValueError(
                "GRPC_MAX_HEALTH_WATCHERS must be below GRPC_MAX_CONCURRENT_RPCS: idle health "
                "watchers would take every call's slot"
            )
        return self


class ClientSettings(BaseSettings):
    """How a process reaches the gRPC services it calls."""

    model_config = SETTINGS_CONFIG

    # The token this process presents: its own caller token (CALLER_TOKEN) when it has one,
    # otherwise the shared AUTH_TOKEN. One of them is required.
    caller_token: SecretStr | None = None
    auth_token: SecretStr | None = Field(default=None, validate_default=True)
    # PEM of the CA that signed the services' certificates; set it to talk TLS.
    tls_ca_file: Path | None = None
    # The client's own certificate and key, for services that require mTLS.
    tls_client_cert_file: Path | None = None
    tls_client_key_file: Path | None = None
    # Deadline of every call unless the caller sets a shorter one, in seconds.
    grpc_deadline_seconds: float = Field(default=2.0, gt=0, le=60)

    @field_validator("caller_token")
    @classmethod
    def _caller_token_is_real(cls, value: SecretStr | None) -> SecretStr | None:
        return check_secret(value, "CALLER_TOKEN")

    @field_validator("auth_token")
    @classmethod
    def _a_token_is_given(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None and info.data.get("caller_token") is None:
            raise ValueError("Field required (or CALLER_TOKEN, this caller's own token)")
        return check_secret(value, "AUTH_TOKEN")

    def presented_token(self) -> str:
        """The bearer token this process sends."""
        token = self.caller_token or self.auth_token
        if token is None:
            raise ValueError(
                "this process calls another GMBot service but has no token of its own: set "
                "CALLER_TOKEN (a caller in the services' AUTH_CALLERS) or AUTH_TOKEN"
            )
        return token.get_secret_value()


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


CHECK_CONFIG = "check-config"


def _shown(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(set)"
    return _PASSWORD_IN_URL.sub(r"\1***@", str(value))


def check_config(cls: type[SettingsT]) -> int:
    """`python -m gmbot.<service> check-config`: validates the settings exactly as start-up
    does (environment and `.env`), prints what they resolve to (secrets hidden), and returns the
    exit code: 0 when the service would start, 2 with a line per bad variable when not."""
    try:
        settings = cls()
    except ValidationError as error:
        sys.stderr.write(describe_errors(error) + "\n")
        return 2
    lines = [
        f"  {name.upper()}={_shown(value)}"
        for name, value in sorted(dict(settings).items())
        if value is not None
    ]
    sys.stdout.write(f"configuration is valid ({cls.__name__}):\n" + "\n".join(lines) + "\n")
    return 0
