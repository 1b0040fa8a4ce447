"""Start-up refuses bad configuration and names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmbot.runtime.settings import load_settings
from gmbot.tenancy.settings import TenancySettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("AUTH_TOKEN", "DATABASE_URL", "GRPC_PORT", "TLS_CERT_FILE", "TLS_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def _refusal(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        load_settings(TenancySettings)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_a_missing_token_stops_start_up_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    refusal = _refusal(capsys)

    assert "AUTH_TOKEN: Value error, Field required" in refusal
    assert "AUTH_CALLERS" in refusal


@pytest.mark.parametrize("token", ["changeme", "replace-me-with-a-token", "short"])
def test_placeholder_or_short_tokens_are_refused(
    token: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_TOKEN", token)

    assert "AUTH_TOKEN" in _refusal(capsys)


def test_a_bad_port_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("GRPC_PORT", "seventy")

    assert "GRPC_PORT" in _refusal(capsys)


def test_an_unsupported_database_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("DATABASE_URL", "mysql://db/gmbot")

    err = _refusal(capsys)
    assert "DATABASE_URL" in err
    assert "postgresql+asyncpg" in err


def test_tls_needs_both_certificate_and_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("TLS_CERT_FILE", str(cert))

    assert "TLS_CERT_FILE and TLS_KEY_FILE must be set together" in _refusal(capsys)


def test_a_missing_certificate_file_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("TLS_CERT_FILE", "/nonexistent/cert.pem")

    assert "TLS_CERT_FILE: Value error, no such file" in _refusal(capsys)


def test_good_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db/gmbot")

    settings = load_settings(TenancySettings)

    assert settings.database_url.startswith("postgresql+asyncpg")
    assert "a-real-token" not in repr(settings)


def test_health_watchers_must_leave_room_for_real_calls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_TOKEN", "a-real-token-0123456789")
    monkeypatch.setenv("GRPC_MAX_CONCURRENT_RPCS", "10")
    monkeypatch.setenv("GRPC_MAX_HEALTH_WATCHERS", "10")

    assert "GRPC_MAX_HEALTH_WATCHERS must be below GRPC_MAX_CONCURRENT_RPCS" in _refusal(capsys)
