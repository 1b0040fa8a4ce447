"""Secrets stay home: a real Bot API error and a real failing RPC reach Sentry (through a real
sentry_sdk client whose transport keeps events in memory) and the logs without the bot token,
the bearer token, the callback signing key, the DSN or a database password."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
import sentry_sdk
import structlog
from aiogram.exceptions import TelegramBadRequest
from pydantic import SecretStr
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from gmbot.runtime.logs import configure_logging
from gmbot.runtime.observability import REDACTED, Redactor, init_sentry, secrets_of
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ServiceSettings
from gmbot.runtime.telegram import TelegramSettings, create_bot
from gmbot.sandbox.app import running_sandbox
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc
from tests.support.services import TEST_TOKEN, channel_to

BOT_TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
SIGNING_KEY = "signing-key-" + "s" * 30
DSN = "https://0123456789abcdef0123456789abcdef@o1.ingest.example.invalid/42"
DB_PASSWORD = "db-pass-0123456789"


class Settings(ServiceSettings, TelegramSettings):
    """A service's settings with every kind of secret GMBot's services hold."""

    callback_signing_key: SecretStr
    database_url: str


SETTINGS = Settings(
    auth_token=SecretStr(TEST_TOKEN),
    bot_token=SecretStr(BOT_TOKEN),
    callback_signing_key=SecretStr(SIGNING_KEY),
    database_url=f"postgresql+asyncpg://gmbot:{DB_PASSWORD}@db.example.invalid/gmbot",
    sentry_dsn=SecretStr(DSN),
    grpc_port=0,
    metrics_enabled=False,
    shutdown_grace_seconds=0,
)
SECRETS = (BOT_TOKEN, TEST_TOKEN, SIGNING_KEY, DSN, "0123456789abcdef0123456789abcdef", DB_PASSWORD)


@dataclass
class Recorded(Transport):
    """Sentry's own transport interface; events are kept instead of sent."""

    envelopes: list[Envelope] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.payload.json is not None
        ]


@pytest.fixture
def sentry() -> Iterator[Recorded]:
    transport = Recorded()
    assert init_sentry(
        SETTINGS.sentry_dsn,
        service="test",
        environment="test",
        secrets=secrets_of(SETTINGS),
        transport=transport,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again for the other tests


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("test", "INFO", "json", stream, secrets=secrets_of(SETTINGS))
    yield stream
    root.handlers[:], root.level = handlers, level


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


async def test_a_bot_api_error_reaches_sentry_and_logs_without_the_bot_token(
    sentry: Recorded, logs: io.StringIO
) -> None:
    async with running_sandbox() as sandbox:
        await sandbox.control.create_bot("guard_bot", token=BOT_TOKEN)
        bot = create_bot(
            Settings.model_validate({**SETTINGS.model_dump(), "telegram_api_url": sandbox.url})
        )
        try:
            await bot.get_chat(-1009999999999)
        except TelegramBadRequest:
            # What the gateway's pipeline does with an update that failed.
            structlog.get_logger("test").exception("update failed")
            sentry_sdk.capture_exception()
        finally:
            await bot.session.close()
    sentry_sdk.flush()

    events = sentry.events()
    assert events
    assert any("TelegramBadRequest" in json.dumps(e) for e in events)
    assert _leaks(json.dumps(events)) == []
    assert "Traceback" in logs.getvalue()
    assert _leaks(logs.getvalue()) == []


def _failing_tenancy() -> Service:
    """GetGroupPolicy with a bug: it raises, with a database URL in its message."""

    async def get_group_policy(
        request: pb.GetGroupPolicyRequest, context: Any
    ) -> pb.GetGroupPolicyResponse:
        raise RuntimeError(f"the database at {SETTINGS.database_url} went away")

    handler = grpc.method_handlers_generic_handler(
        "gmbot.v1.TenancyService",
        {
            "GetGroupPolicy": grpc.unary_unary_rpc_method_handler(
                get_group_policy,
                request_deserializer=pb.GetGroupPolicyRequest.FromString,
                response_serializer=pb.GetGroupPolicyResponse.SerializeToString,
            )
        },
    )
    return Service(
        name="tenancy",
        registrations=[lambda server: server.add_generic_rpc_handlers((handler,))],
        service_names=["gmbot.v1.TenancyService"],
    )


@pytest.fixture
async def failing_port() -> AsyncIterator[int]:
    async with started(_failing_tenancy(), SETTINGS) as service:
        yield service.port


async def test_a_failing_rpc_reaches_sentry_and_logs_without_the_bearer_token(
    sentry: Recorded, logs: io.StringIO, failing_port: int
) -> None:
    async with channel_to(failing_port) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await tenancy_pb2_grpc.TenancyServiceStub(channel).GetGroupPolicy(
                pb.GetGroupPolicyRequest(group_id=-1001000000001)
            )
    sentry_sdk.flush()

    assert failed.value.code() == grpc.StatusCode.INTERNAL
    events = sentry.events()
    assert any("went away" in json.dumps(e) for e in events)
    assert _leaks(json.dumps(events)) == []
    assert "went away" in logs.getvalue()
    assert _leaks(logs.getvalue()) == []


def test_secrets_of_settings_are_every_secret_value_and_url_password() -> None:
    assert set(SECRETS) <= set(secrets_of(SETTINGS))


def test_the_redactor_scrubs_what_looks_like_a_secret_even_when_unknown() -> None:
    redactor = Redactor()
    event = {
        "message": "GET https://api.telegram.org/bot987654321:ZZHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0/x",
        "extra": {
            "metadata": [("authorization", "Bearer abc.def-ghi")],
            "headers": {"Authorization": "anything", "X-Telegram-Bot-Api-Secret-Token": "s3"},
            "url": "redis://:p4ssw0rd@redis:6379/0",
        },
    }

    scrubbed = json.dumps(redactor.event(event, None))

    assert "ZZHfiqksKZ8WmR2zSjiQ7" not in scrubbed
    assert "abc.def-ghi" not in scrubbed
    assert "anything" not in scrubbed
    assert "s3" not in scrubbed
    assert "p4ssw0rd" not in scrubbed
    assert scrubbed.count(REDACTED) == 5
