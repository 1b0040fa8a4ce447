"""Tracing is off unless the standard OTEL_* variables turn it on; the token never rides along."""

from __future__ import annotations

import pytest

from gmbot.runtime.tracing import exporters_wanted, init_tracing, scrub_url


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, []),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, []),
    ],
)
def test_tracing_is_off_unless_the_otel_variables_ask(
    environ: dict[str, str], wanted: list[str]
) -> None:
    assert exporters_wanted(environ) == wanted


def test_a_bad_exporter_or_protocol_is_named() -> None:
    with pytest.raises(ValueError, match="OTEL_TRACES_EXPORTER"):
        init_tracing("tenancy", {"OTEL_TRACES_EXPORTER": "zipkin"})
    with pytest.raises(ValueError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        init_tracing(
            "tenancy", {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
        )


def test_off_by_default_installs_nothing() -> None:
    assert init_tracing("tenancy", {}) is None


def test_the_bot_token_is_cut_out_of_bot_api_urls() -> None:
    url = "http://127.0.0.1:8081/bot123456:AAE-secret_part/restrictChatMember"
    assert scrub_url(url) == "http://127.0.0.1:8081/bot[redacted]/restrictChatMember"
