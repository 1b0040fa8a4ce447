"""/stats over fake back ends: it leads with who joined because of GMBot, its detail sits
behind a button only the group's administrators may press, and counts read naturally."""

from __future__ import annotations

import pytest

from gmbot.gateway.flows.stats import DETAILS, PREFIX, press, stats_of
from gmbot.gateway.texts import LOCALES, say, say_count
from gmbot.runtime.catalogs import plural_forms
from gmbot.v1 import enforcement_pb2 as enforcement
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes


def _figures(fakes: Fakes, joined_week: int = 5, joined_day: int = 2, muted: int = 1) -> None:
    fakes.enforcement.answer(
        "GetGroupStats",
        enforcement.GetGroupStatsResponse(
            last_day=enforcement.GroupFigures(
                members_joined_after_warning=joined_day, members_warned=4, bot_api_calls=70
            ),
            last_week=enforcement.GroupFigures(
                members_joined_after_warning=joined_week, members_warned=9, bot_api_calls=300
            ),
            currently_muted=muted,
        ),
    )


async def test_stats_lead_with_how_many_joined_because_of_gmbot_and_hide_the_rest() -> None:
    fakes = Fakes()
    _figures(fakes)

    shown = await stats_of(fakes.ctx, world.GROUP, "Chat", "en")

    assert shown.text.splitlines() == [
        "📊 «Chat»",
        "In the last 7 days, 5 members joined the channels because of me (2 in the last 24 hours).",
        "1 member is muted by me now.",
    ]
    [[details]] = shown.rows
    assert details.data == f"{PREFIX}{world.GROUP}:{DETAILS}"


async def test_bot_api_spending_is_not_in_stats() -> None:
    fakes = Fakes()
    _figures(fakes)

    shown = await stats_of(fakes.ctx, world.GROUP, "Chat", "en", details=True)

    assert "Joined the channels after a warning: 2 (50 %) · 5 (56 %)" in shown.text
    assert "Bot API" not in shown.text
    assert "70" not in shown.text
    [[back]] = shown.rows
    assert back.data == f"{PREFIX}{world.GROUP}"


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "1 участник "), (3, "3 участника "), (5, "5 участников "), (21, "21 участник ")],
)
async def test_counts_use_plural_forms_in_russian(count: int, words: str) -> None:
    fakes = Fakes()
    _figures(fakes, joined_week=count)

    shown = await stats_of(fakes.ctx, world.GROUP, "Чат", "ru")

    assert words in shown.text.splitlines()[1]


def test_arabic_counts_take_their_own_forms() -> None:
    assert "عضوين" in say_count("ar", "stats_muted_now", 2)
    assert "أعضاء" in say_count("ar", "stats_muted_now", 3)
    assert "عضوًا" in say_count("ar", "stats_muted_now", 11)


def test_every_plural_text_has_every_form_its_language_has() -> None:
    for po in LOCALES.glob("*/LC_MESSAGES/gateway.po"):
        forms, texts = plural_forms(po)
        assert {"stats_lead", "stats_muted_now", "bot_resumed_lifted"} <= set(texts), po
        assert all(count == forms for count in texts.values()), po


async def test_only_the_groups_administrators_see_the_details() -> None:
    fakes = Fakes()
    world.protected(fakes)
    fakes.membership.answer("GetChatAdministrators", world.admins())
    _figures(fakes)
    data = f"{PREFIX}{world.GROUP}:{DETAILS}"

    assert await press(fakes.ctx, data, world.MEMBER, None) is None
    shown = await press(fakes.ctx, data, world.OWNER, None)

    assert shown is not None
    assert shown.text.startswith(say("en", "stats_header", title="Chat"))
    assert await press(fakes.ctx, "stats:x:d", world.OWNER, None) is None
