"""The funnel per channel, seen from the gateway: a channel's leave is recorded (a join by
another link, or no link, is not GMBot's to count), /stats shows each channel's funnel (warned,
joined through GMBot, unmuted, retention) after its lead in each language's plural forms, and
the dashboard reads a group with one call to enforcement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gmbot.gateway.flows.attribution import JoinedBy, channel_member_changed
from gmbot.gateway.flows.members import MemberChange
from gmbot.gateway.flows.stats import stats_of
from gmbot.gateway.miniapp.board import group_board
from gmbot.v1 import enforcement_pb2 as enforcement
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes

FUNNEL = enforcement.ChannelFigures(
    channel_id=world.CHANNEL,
    members_warned=4,
    members_joined_through_gmbot=3,
    members_unmuted=2,
    joined_7_days_before=4,
    still_following_7_days=3,
)


def _change(old: str, new: str) -> MemberChange:
    return MemberChange(
        update_id=500,
        chat_id=world.CHANNEL,
        person=world.MALLORY,
        old_status=old,
        new_status=new,
        is_member=False,
        date=datetime.now(UTC),
    )


@pytest.mark.parametrize("gone", ["left", "kicked"])
async def test_a_member_leaving_the_channel_ends_their_joins_through_gmbot(gone: str) -> None:
    fakes = Fakes()
    fakes.enforcement.answer("RecordChannelLeave", enforcement.RecordChannelLeaveResponse())

    assert await channel_member_changed(fakes.ctx, _change("member", gone), JoinedBy()) == 0

    [leave] = fakes.enforcement.requests("RecordChannelLeave")
    assert (leave.channel_id, leave.user_id) == (world.CHANNEL, world.MEMBER)
    assert fakes.enforcement.requests("RecordChannelJoin") == []


async def test_a_requester_banned_from_the_channel_is_pending_there_no_more() -> None:
    fakes = Fakes()
    fakes.enforcement.answer(
        "EndChannelRequest", enforcement.EndChannelRequestResponse(was_pending=True)
    )

    assert await channel_member_changed(fakes.ctx, _change("left", "kicked"), JoinedBy()) == 0

    [ended] = fakes.enforcement.requests("EndChannelRequest")
    assert (ended.channel_id, ended.user_id) == (world.CHANNEL, world.MEMBER)
    assert fakes.enforcement.requests("RecordChannelLeave") == []


async def test_a_join_without_a_link_is_recorded_nowhere() -> None:
    fakes = Fakes()

    assert await channel_member_changed(fakes.ctx, _change("left", "member"), JoinedBy()) == 0

    assert fakes.enforcement.calls == []


def _stats(channels: list[enforcement.ChannelFigures]) -> enforcement.GetGroupStatsResponse:
    return enforcement.GetGroupStatsResponse(
        last_day=enforcement.GroupFigures(members_joined_after_warning=1),
        last_week=enforcement.GroupFigures(members_joined_after_warning=5, channels=channels),
        last_month=enforcement.GroupFigures(),
    )


async def test_stats_show_each_channels_funnel_after_the_lead() -> None:
    fakes = Fakes()
    world.protected(fakes)
    fakes.enforcement.answer("GetGroupStats", _stats([FUNNEL]))

    shown = await stats_of(fakes.ctx, world.GROUP, "Chat", "en")

    assert shown.text.splitlines()[1:3] == [
        "In the last 7 days, 5 members joined the channels because of me (1 in the last 24 hours).",
        "@news: in 7 days 4 members were warned without it → 3 joined through my buttons → "
        "2 unmuted; still following 7 days after joining: 3/4, 30 days after: —.",
    ]


@pytest.mark.parametrize(
    ("language", "warned", "says"),
    [
        ("en", 1, "1 member was warned"),
        ("ru", 21, "21 участник без подписки получил"),
        ("ru", 3, "3 участника без подписки получили"),
        ("ru", 11, "11 участников без подписки получили"),
        ("uk", 22, "22 учасники без підписки отримали"),
        ("ar", 2, "حذّرتُ 2 عضوين غير مشتركين"),
        ("ar", 7, "حذّرتُ 7 أعضاء"),
        ("ar", 11, "حذّرتُ 11 عضوًا"),
        ("pt_BR", 1, "avisei 1 membro sem"),
        ("tr", 5, "5 üye uyarıldı"),
    ],
)
async def test_a_channels_line_takes_the_plural_form_of_its_warned_count(
    language: str, warned: int, says: str
) -> None:
    fakes = Fakes()
    world.protected(fakes)
    funnel = enforcement.ChannelFigures(channel_id=world.CHANNEL, members_warned=warned)
    fakes.enforcement.answer("GetGroupStats", _stats([funnel]))

    shown = await stats_of(fakes.ctx, world.GROUP, "Chat", language)

    # Right-to-left languages isolate each value (FSI … PDI): read the words around them.
    assert says in shown.text.splitlines()[2].replace("\u2068", "").replace("\u2069", "")


async def test_the_board_of_a_group_is_one_call_with_each_channels_funnel() -> None:
    fakes = Fakes()
    policy = world.protected(fakes)
    fakes.enforcement.answer(
        "GetGroupBoard",
        enforcement.GetGroupBoardResponse(
            stats=_stats([FUNNEL]),
            muted=enforcement.ListGroupRestrictionsResponse(
                restrictions=[enforcement.GroupRestriction(user_id=world.MEMBER)], total=1
            ),
        ),
    )

    board = await group_board(fakes.ctx, policy, "en")

    assert [method for method, _ in fakes.enforcement.calls] == ["GetGroupBoard"]
    assert board["funnel"]["week"]["channels"] == [
        {
            "title": "News",
            "warned": 4,
            "via_gmbot": 3,
            "unmuted": 2,
            "kept_7": [3, 4],
            "kept_30": [0, 0],
        }
    ]
    assert board["muted_total"] == 1
