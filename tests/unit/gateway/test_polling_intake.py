"""Long polling's intake: members decided at once, each member in order, groups in turn for the
places to be handled in, the offset never past an update neither handled nor kept, a failed update
retried on its own."""

from __future__ import annotations

import asyncio
import time

from aiogram.types import Update
from structlog.testing import capture_logs

from gmbot.gateway.intake.in_hand import BUSY_RETRY_SECONDS, HANDLING_LIMIT, Intake
from gmbot.gateway.intake.pipeline import Result
from tests.support.updates import GROUP, message

BOT = {"id": 999, "is_bot": True, "first_name": "GMBot"}


class Pipeline:
    """Holds each update until the test lets it go; answers what the test says."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.answers: dict[int, Result] = {}
        self.handled: list[int] = []

    def gate(self, update_id: int) -> asyncio.Event:
        return self.gates.setdefault(update_id, asyncio.Event())

    async def handle(self, update: Update) -> Result:
        await self.gate(update.update_id).wait()
        self.handled.append(update.update_id)
        return self.answers.pop(update.update_id, Result.CONFIRM)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_slow_member_holds_back_nobody_else_and_the_offset_waits_for_him() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    pipeline.gate(2).set()
    pipeline.gate(3).set()

    assert intake.take([message(1, user=10), message(2, user=20), message(3, user=30)]) == 3
    await settle()

    assert pipeline.handled == [2, 3]
    assert intake.offset == 1  # 2 and 3 are done, but Telegram may not forget 1 yet
    # getUpdates answers from the offset on: what is in hand is not started twice.
    assert intake.take([message(1, user=10), message(2, user=20), message(4, user=40)]) == 1
    pipeline.gate(1).set()
    pipeline.gate(4).set()
    await settle()
    assert intake.offset == 5


async def test_one_members_updates_keep_their_order() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    pipeline.gate(2).set()

    intake.take([message(1, user=10), message(2, user=10)])
    await settle()
    assert pipeline.handled == []
    pipeline.gate(1).set()
    await settle()

    assert pipeline.handled == [1, 2]


async def test_an_update_that_fails_for_now_is_retried_alone_and_keeps_its_members_order() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    for update_id in (1, 2, 3):
        pipeline.gate(update_id).set()
    pipeline.answers[1] = Result.RETRY

    intake.take([message(1, user=10)])
    await settle()
    # Member 10's next message waits behind the retry; member 20's does not.
    intake.take([message(1, user=10), message(2, user=10), message(3, user=20)])
    await settle()
    assert pipeline.handled == [1, 3]
    assert intake.offset == 1

    for retry in intake.retries.values():
        retry.not_before = 0  # the backoff has passed
    intake.take([message(1, user=10), message(2, user=10)])
    await settle()

    assert pipeline.handled == [1, 3, 1, 2]
    assert intake.offset == 4


async def test_an_update_another_process_has_is_asked_again_soon_at_a_steady_pace() -> None:
    """A killed gateway leaves its claims for CLAIM_SECONDS: its updates are followed up every
    BUSY_RETRY_SECONDS until the claim lapses, not later each time, and nothing counts as down."""
    pipeline = Pipeline()
    intake = Intake(pipeline)
    pipeline.gate(1).set()

    for _ in range(5):
        pipeline.answers[1] = Result.BUSY
        asked = time.monotonic()
        intake.take([message(1, user=10)])
        await settle()
        retry = intake.retries[1]
        assert retry.not_before - asked <= BUSY_RETRY_SECONDS + 0.05
        assert retry.attempts == 0
        assert intake.failing == 0
        retry.not_before = 0

    intake.take(intake.due())  # the claim has lapsed: this time it is ours
    await settle()
    assert pipeline.handled == [1] * 6
    assert intake.offset == 2


def bot_status(update_id: int, admin: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
                "from": {"id": admin, "is_bot": False, "first_name": "A"},
                "date": 0,
                "old_chat_member": {"status": "member", "user": BOT},
                "new_chat_member": {"status": "left", "user": BOT},
            },
        }
    )


async def test_the_bots_own_status_waits_for_the_chat_and_the_chat_waits_for_it() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    pipeline.gate(3).set()
    pipeline.gate(4).set()

    intake.take([message(1, user=10), message(2, user=20), bot_status(3, admin=30)])
    intake.take([message(4, user=40)])
    await settle()
    assert pipeline.handled == []  # 3 waits for 1 and 2; 4 waits for 3
    pipeline.gate(1).set()
    pipeline.gate(2).set()
    await settle()

    assert set(pipeline.handled[:2]) == {1, 2}
    assert pipeline.handled[2:] == [3, 4]


class Raising(Pipeline):
    """Raises for the updates the test names, as a pipeline meeting a failure it never foresaw."""

    def __init__(self, failing: set[int]) -> None:
        super().__init__()
        self.failing = failing

    async def handle(self, update: Update) -> Result:
        if update.update_id in self.failing:
            self.failing.discard(update.update_id)
            raise RuntimeError("READONLY You can't write against a read only replica.")
        return await super().handle(update)


async def test_an_exception_while_handling_does_not_skip_the_update() -> None:
    pipeline = Raising(failing={1})
    intake = Intake(pipeline)
    pipeline.gate(1).set()
    pipeline.gate(2).set()

    intake.take([message(1, user=10), message(2, user=20)])
    await settle()
    assert pipeline.handled == [2]
    assert intake.offset == 1  # not confirmed: Telegram delivers it again

    for retry in intake.retries.values():
        retry.not_before = 0
    intake.take([message(1, user=10), message(2, user=20)])
    await settle()

    assert pipeline.handled == [2, 1]
    assert intake.offset == 3


async def test_an_update_stuck_in_hand_is_given_up_at_its_bound_and_says_where_it_waits() -> None:
    pipeline = Pipeline()  # update 1's gate never opens
    intake = Intake(pipeline, bound_seconds=0.2)
    pipeline.gate(2).set()

    with capture_logs() as logs:
        intake.take([message(1, user=10), message(2, user=20)])
        await asyncio.sleep(0.5)

    assert intake.in_hand == {}  # the loop is free to ask for more
    assert list(intake.retries) == [1]
    assert intake.offset == 1  # and update 1 is not confirmed
    [stuck] = [e for e in logs if e["event"] == "update in hand past its bound; given up for now"]
    assert stuck["update_id"] == 1
    assert any("Pipeline.handle" in frame for frame in stuck["waits_in"])


async def test_a_quiet_groups_update_is_handled_next_however_long_a_raids_backlog() -> None:
    pipeline = Pipeline()  # nothing is let go until the test says so
    intake = Intake(pipeline)
    raid = [message(n, user=n) for n in range(1, 3 * HANDLING_LIMIT + 1)]
    quiet = message(len(raid) + 1, user=7, chat=-2002)

    intake.take(raid)
    intake.take([quiet])
    await settle()
    assert pipeline.gates.keys() == set(range(1, HANDLING_LIMIT + 1))  # the places are full
    pipeline.gate(1).set()
    await settle()

    # The one place freed goes to the quiet group, not to the raid's next update.
    assert pipeline.handled == [1]
    assert quiet.update_id in pipeline.gates
    assert HANDLING_LIMIT + 1 not in pipeline.gates


async def test_kept_updates_let_the_offset_move_and_are_forgotten_once_handled() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    intake.take([message(1, user=10), message(2, user=20), message(3, user=30)])
    pipeline.gate(1).set()
    await settle()
    assert intake.offset == 2

    intake.kept([2, 3])
    assert intake.offset == 4  # Telegram may forget 2 and 3: the spool has them
    pipeline.gate(2).set()
    await settle()
    assert intake.finished == [2]  # handled: to be forgotten by the spool too
    assert list(intake.held) == [3]


async def test_a_kept_update_that_fails_for_now_is_retried_from_the_spools_copy() -> None:
    pipeline = Pipeline()
    intake = Intake(pipeline)
    pipeline.gate(1).set()
    pipeline.answers[1] = Result.RETRY
    intake.take([message(1, user=10)], kept=True)
    await settle()
    assert intake.offset == 2  # Telegram will not deliver it again
    assert intake.due() == []  # not before its backoff

    for retry in intake.retries.values():
        retry.not_before = 0
    intake.take(intake.due())
    await settle()

    assert pipeline.handled == [1, 1]
    assert intake.held == {}
    assert intake.finished == [1]
