"""The owners' flows' pure parts: the bot's rights in a channel, an unmute by hand, the funnel's
conversion, observe mode as owners type it."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from gmbot.gateway.domain.choices import GroupMode
from gmbot.gateway.domain.settings import GroupSettings
from gmbot.gateway.flows.bot_status import BotStatus
from gmbot.gateway.flows.channel_rights import ChannelChat, rights_in
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.members import MemberChange
from gmbot.gateway.flows.muted import EXEMPT
from gmbot.gateway.flows.owner_buttons import Press, on_owner_pressed
from gmbot.gateway.flows.replies import owner_button
from gmbot.gateway.flows.settings import parse_value, show_value
from gmbot.gateway.flows.stats import conversion
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import SIGNING_KEY, Fakes, rpc_error
from tests.unit.gateway.test_flow_commands import Lookup
from tests.unit.gateway.world import GROUP, MEMBER, OLGA, admins, protected

PUBLIC = ChannelChat(-1001, "News", "news")
PRIVATE = ChannelChat(-1002, "Secret", "")
ALL = frozenset({"can_delete_messages", "can_restrict_members", "can_invite_users"})


@pytest.mark.parametrize(
    ("channel", "status", "rights"),
    [
        # Members are checked, but the joins its buttons bring cannot be counted.
        (PUBLIC, BotStatus("administrator", frozenset()), tenancy.CHANNEL_RIGHTS_NO_ATTRIBUTION),
        (PUBLIC, BotStatus("administrator", ALL), tenancy.CHANNEL_RIGHTS_OK),
        (PRIVATE, BotStatus("administrator", ALL), tenancy.CHANNEL_RIGHTS_OK),
        (PRIVATE, BotStatus("administrator", frozenset()), tenancy.CHANNEL_RIGHTS_NO_INVITE_LINKS),
        (PUBLIC, BotStatus("member", frozenset()), tenancy.CHANNEL_RIGHTS_NOT_ADMIN),
        (PUBLIC, BotStatus("left", frozenset()), tenancy.CHANNEL_RIGHTS_REMOVED),
        (PRIVATE, BotStatus("kicked", frozenset()), tenancy.CHANNEL_RIGHTS_REMOVED),
    ],
)
def test_the_bots_rights_in_a_channel(channel: ChannelChat, status: BotStatus, rights: int) -> None:
    assert rights_in(channel, status) == rights


def _change(old: str, new: str, *, old_can: bool = False, new_can: bool = False) -> MemberChange:
    return MemberChange(
        update_id=1,
        chat_id=-1003,
        person=Person(5, "Eve"),
        old_status=old,
        new_status=new,
        is_member=True,
        date=datetime.now(UTC),
        old_is_member=True,
        actor_id=7,
        old_can_send=old_can,
        new_can_send=new_can,
    )


def test_an_unmute_is_a_muted_member_who_may_write_again() -> None:
    assert _change("restricted", "member").unmuted
    assert _change("restricted", "restricted", new_can=True).unmuted
    assert not _change("restricted", "restricted").unmuted  # a renewal
    assert not _change("restricted", "restricted", old_can=True, new_can=True).unmuted
    assert not _change("member", "restricted").unmuted
    assert not _change("restricted", "left").unmuted


def test_conversion_is_a_whole_percentage_and_nothing_without_warnings() -> None:
    assert conversion(1, 3) == "33 %"
    assert conversion(2, 2) == "100 %"
    assert conversion(0, 0) == "—"


def test_observe_mode_is_typed_as_a_word() -> None:
    settings = parse_value("mode", "Observe")

    assert settings.mode == GroupMode.OBSERVE
    assert show_value(settings, "mode") == "observe"
    assert show_value(GroupSettings(mode=GroupMode.ENFORCE), "mode") == "enforce"


async def test_a_full_exempt_list_answers_the_owners_exempt_button() -> None:
    """Before: tenancy's refusal failed the press, retried into a dead letter, unanswered."""
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.enforcement.answer(
        "ListGroupRestrictions",
        enforcement.ListGroupRestrictionsResponse(
            restrictions=[enforcement.GroupRestriction(user_id=MEMBER, display_name="Mallory")],
            total=1,
        ),
    )
    fakes.tenancy.answer(
        "ChangeExemptUsers",
        rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "exempt_user_ids: at most 10000 users"),
    )
    exempt = owner_button(SIGNING_KEY, "Exempt", EXEMPT, GROUP, MEMBER)

    answer = await on_owner_pressed(
        fakes.ctx, Lookup(), exempt.data, OLGA, Press(1, "press-1", private=False)
    )

    assert answer is not None
    assert answer.alert
    assert answer.text == "Not changed: Exempt users cannot be Mallory"
    assert fakes.enforcement.requests("Release") == []  # nothing done: the owner is told why
