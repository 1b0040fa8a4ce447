"""A handler's failure as the errors router leaves it: said once with its update, then still seen
by the intake, which retries it or sets it aside."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from aiogram.types import Update
from structlog.testing import capture_logs

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, Result, UpdatePipeline
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import rpc_error
from tests.unit.gateway.telegram.dispatching import Telegram, in_group
from tests.unit.gateway.world import admins, everyone_is, protected


def _failing_message(telegram: Telegram, code: grpc.StatusCode) -> Update:
    """A non-member's message whose Enforce call fails with `code`."""
    protected(telegram.fakes)
    telegram.fakes.membership.answer("GetChatAdministrators", admins())
    telegram.fakes.membership.answer(
        "CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    telegram.fakes.enforcement.answer("Enforce", rpc_error(code, "down"))
    return in_group(7, "hello")


async def test_a_handlers_failure_is_logged_with_its_update_and_not_swallowed() -> None:
    telegram = Telegram()
    update = _failing_message(telegram, grpc.StatusCode.UNAVAILABLE)

    with capture_logs() as logs, pytest.raises(BackendUnavailable):
        await telegram.feed(update)

    [logged] = [entry for entry in logs if entry["event"] == "update not handled"]
    assert logged["update_id"] == 7
    assert logged["error_type"] == "BackendUnavailable"
    assert logged["log_level"] == "warning"


@pytest.mark.parametrize(
    ("code", "redelivery_seconds", "result", "dead_letters"),
    [
        # A back end down: delivered again, until the time for redeliveries runs out.
        (grpc.StatusCode.UNAVAILABLE, 3600.0, Result.RETRY, 0),
        (grpc.StatusCode.UNAVAILABLE, 0.0, Result.CONFIRM, 1),
        # A back end refusing: retrying cannot help, set aside at once.
        (grpc.StatusCode.INTERNAL, 3600.0, Result.CONFIRM, 1),
    ],
)
async def test_the_intake_still_sees_a_handlers_failure(
    tmp_path: Path,
    code: grpc.StatusCode,
    redelivery_seconds: float,
    result: Result,
    dead_letters: int,
) -> None:
    telegram = Telegram()
    letters = DeadLetters(None, "test:", tmp_path / "dead-letters.jsonl", 3600)
    pipeline = UpdatePipeline(
        telegram.dispatcher,
        telegram.bot,
        UpdateLedger(),
        letters,
        Patience(redelivery_seconds=redelivery_seconds),
    )

    with capture_logs():  # the pipeline's traceback, unrendered
        assert await pipeline.handle(_failing_message(telegram, code)) is result

    assert [letter.update_id for letter in await letters.all()] == [7] * dead_letters
