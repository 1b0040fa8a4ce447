"""Who opened GMBot in private and whether they want its alerts (issue 23). On SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import status_of

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub

ANNA, BORIS, CARLA = 101, 102, 103


async def people(tenancy: TenancyServiceStub, *user_ids: int) -> dict[int, bool]:
    answer = await tenancy.ListPeople(pb.ListPeopleRequest(user_ids=user_ids))
    return {p.user_id: p.alerts for p in answer.people}


async def test_someone_who_opened_the_bot_hears_alerts_until_they_turn_them_off(
    tenancy: TenancyServiceStub,
) -> None:
    opened = await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=ANNA))
    await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=BORIS))
    await tenancy.SetPersonAlerts(pb.SetPersonAlertsRequest(user_id=BORIS, alerts=False))
    # Opening the bot again does not turn alerts back on.
    again = await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=BORIS))

    assert opened.alerts
    assert not again.alerts
    assert await people(tenancy, ANNA, BORIS, CARLA) == {ANNA: True, BORIS: False}


async def test_people_asked_about_are_bounded_and_valid(tenancy: TenancyServiceStub) -> None:
    too_many = await status_of(tenancy.ListPeople(pb.ListPeopleRequest(user_ids=range(1, 202))))
    bad = await status_of(tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=-5)))

    assert too_many.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_persons_language_is_kept_and_an_empty_one_changes_nothing(
    tenancy: TenancyServiceStub,
) -> None:
    await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=ANNA, language="ru"))
    await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=ANNA))
    await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=BORIS))
    await tenancy.SetPersonAlerts(pb.SetPersonAlertsRequest(user_id=BORIS, alerts=False))
    # A language told later keeps their wish about alerts.
    await tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=BORIS, language="uk"))
    bad = await status_of(
        tenancy.RecordPersonStarted(pb.RecordPersonStartedRequest(user_id=CARLA, language="xx"))
    )

    answer = await tenancy.ListPeople(pb.ListPeopleRequest(user_ids=[ANNA, BORIS, CARLA]))
    assert [(p.user_id, p.alerts, p.language) for p in answer.people] == [
        (ANNA, True, "ru"),
        (BORIS, False, "uk"),
    ]
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
