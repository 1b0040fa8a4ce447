"""A group's log chat: chosen with the chat picker in private (and introduced there first),
Undo under its lines pressed only by the group's administrators, and a log chat the bot lost
cleared with one alert."""

from __future__ import annotations

import grpc
import pytest

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.flows import log_chat
from gmbot.gateway.flows.admin_checks import ChannelInfo
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.log_undo import Pressed
from gmbot.gateway.flows.owner_buttons import Press, on_owner_pressed
from gmbot.gateway.flows.settings import parse_value
from gmbot.gateway.stores.drafts import SetupDrafts
from gmbot.runtime.callbacks import LOG_UNDO, LOG_UNDO_KICK, OwnerButton, sign_owner
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import BOT_ID, SIGNING_KEY, Fakes, rpc_error
from tests.unit.gateway.test_flow_commands import Lookup
from tests.unit.gateway.world import GROUP, MEMBER, OLGA, OWNER, people, policy, protected

LOG = -1001000000009
LOG_INFO = ChannelInfo(LOG, "Chat log", "", is_channel=True, kind="channel")
UNDO = sign_owner(SIGNING_KEY, OwnerButton(LOG_UNDO, GROUP, MEMBER))
ANNA = Person(33, "Anna")


def undoable(fakes: Fakes) -> None:
    """Mallory is muted, and may be released and exempted."""
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))
    fakes.tenancy.answer(
        "ChangeExemptUsers",
        tenancy.ChangeExemptUsersResponse(policy=policy(exempt_user_ids=[MEMBER]), added=[MEMBER]),
    )
    fakes.enforcement.answer(
        "ListGroupRestrictions",
        enforcement.ListGroupRestrictionsResponse(
            restrictions=[enforcement.GroupRestriction(user_id=MEMBER, display_name="Mallory")],
            total=1,
        ),
    )
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )


def set_to(chat_id: int) -> tenancy.UpdateGroupSettingsResponse:
    return tenancy.UpdateGroupSettingsResponse(policy=policy(log_chat_id=chat_id))


class Posts:
    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed
        self.posted: list[tuple[int, str]] = []

    async def __call__(self, chat_id: int, text: str) -> bool:
        self.posted.append((chat_id, text))
        return self.allowed


def test_the_setting_is_typed_only_to_turn_it_off() -> None:
    assert parse_value("log_chat_id", "off").log_chat_id == 0
    assert log_chat.group_of(f"logchat{GROUP}") == GROUP
    assert log_chat.group_of("logchat123") is None  # a user id is no group
    assert log_chat.group_of("protect") is None


async def test_a_log_chat_is_offered_in_private_and_kept_once_the_bot_posted_there() -> None:
    fakes = Fakes()
    protected(fakes)
    people(fakes)
    fakes.tenancy.answer("UpdateGroupSettings", set_to(LOG))
    drafts = SetupDrafts()
    posts = Posts(allowed=True)

    offered = log_chat.offer(fakes.ctx, GROUP, "en")
    step = await log_chat.begin(fakes.ctx, drafts, OWNER, GROUP, "en")
    done = await log_chat.picked(
        fakes.ctx, drafts, Lookup((str(LOG), LOG_INFO)), OWNER, "en", LOG, posts
    )

    assert f'href="https://t.me/guard_bot?start=logchat{GROUP}"' in offered
    assert step.keyboard is not None
    assert [b.request_id for row in step.keyboard for b in row] == [3, 4, 0]
    assert posts.posted == [(LOG, posts.posted[0][1])]
    assert "«Chat»" in posts.posted[0][1]
    assert done.text == "📋 Done: my actions in «Chat» go to «Chat log»."
    (update,) = fakes.tenancy.requests("UpdateGroupSettings")
    assert (update.settings.log_chat_id, list(update.update_mask.paths)) == (LOG, ["log_chat_id"])
    assert await drafts.get(OWNER) is None


async def test_a_chat_where_the_bot_cannot_post_is_refused_and_nothing_is_set() -> None:
    fakes = Fakes()
    protected(fakes)
    people(fakes)
    drafts = SetupDrafts()
    await log_chat.begin(fakes.ctx, drafts, OWNER, GROUP, "ru")

    step = await log_chat.picked(
        fakes.ctx, drafts, Lookup((str(LOG), LOG_INFO)), OWNER, "ru", LOG, Posts(allowed=False)
    )

    assert step.text.startswith("Я не могу писать в «Chat log»")
    assert fakes.tenancy.requests("UpdateGroupSettings") == []


async def test_only_the_groups_administrators_open_the_picker() -> None:
    fakes = Fakes()
    protected(fakes)
    people(fakes)

    step = await log_chat.begin(fakes.ctx, SetupDrafts(), MEMBER, GROUP, "en")

    assert step.keyboard is None
    assert step.text == "Only administrators of this group can do that."


async def test_undo_by_someone_who_is_no_admin_of_the_group_is_refused() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)

    answer = await on_owner_pressed(
        fakes.ctx, Lookup(), UNDO, ANNA, Press(1, "press-1", private=False)
    )

    assert answer is not None
    assert (answer.text, answer.alert, answer.relabel) == (
        "Only administrators of this group can do that.",
        True,
        "",
    )
    assert fakes.enforcement.requests("Release") == []
    assert fakes.tenancy.requests("ChangeExemptUsers") == []


async def test_undo_by_an_admin_lifts_and_exempts_the_member_and_names_the_admin() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)
    undoable(fakes)

    answer = await on_owner_pressed(
        fakes.ctx, Lookup(), UNDO, OLGA, Press(1, "press-1", private=False)
    )

    assert answer is not None
    assert answer.text == "Undone: Mallory is exempt now and unmuted."
    assert answer.relabel == "✅ Undone by Olga"
    assert [r.user_id for r in fakes.enforcement.requests("Release")] == [MEMBER]
    assert [list(r.add) for r in fakes.tenancy.requests("ChangeExemptUsers")] == [[MEMBER]]


async def test_an_anonymous_administrators_undo_does_not_name_them() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    fakes.membership.answer(
        "GetChatAdministrators",
        membership.GetChatAdministratorsResponse(
            administrators=[
                membership.ChatAdministrator(user_id=OWNER, is_anonymous=True),
                membership.ChatAdministrator(user_id=BOT_ID, is_bot=True),
            ]
        ),
    )
    undoable(fakes)

    answer = await on_owner_pressed(
        fakes.ctx, Lookup(), UNDO, OLGA, Press(1, "press-1", private=False)
    )

    assert answer is not None
    assert answer.relabel == "✅ Undone by an administrator"


ON_LINE = Press(1, "press-1", private=False, message=Pressed(LOG, 77))


async def test_undo_has_the_line_rewritten_and_leaves_the_button_to_enforcement() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)
    undoable(fakes)
    fakes.enforcement.answer(
        "MarkLogLineUndone",
        enforcement.MarkLogLineUndoneResponse(mark=enforcement.LOG_LINE_MARK_MARKED),
    )

    answer = await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, ON_LINE)

    assert answer is not None
    assert (answer.text, answer.relabel) == ("Undone: Mallory is exempt now and unmuted.", "")
    (mark,) = fakes.enforcement.requests("MarkLogLineUndone")
    assert (mark.chat_id, mark.message_id, mark.group_id, mark.user_id, mark.undone_by) == (
        LOG,
        77,
        GROUP,
        MEMBER,
        "Olga",
    )


async def test_undo_of_a_removal_lets_the_member_come_back() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)
    undoable(fakes)
    fakes.enforcement.answer("Unban", enforcement.UnbanResponse(accepted=True))
    fakes.enforcement.answer("MarkLogLineUndone", enforcement.MarkLogLineUndoneResponse())
    kick = sign_owner(SIGNING_KEY, OwnerButton(LOG_UNDO_KICK, GROUP, MEMBER))

    answer = await on_owner_pressed(fakes.ctx, Lookup(), kick, OLGA, ON_LINE)

    assert answer is not None
    assert answer.text == "Undone: Mallory is exempt now and may join the group again."
    # A line enforcement does not keep (an older message): only the button says who undid it.
    assert answer.relabel == "✅ Undone by Olga"
    assert [(r.group_id, r.user_id) for r in fakes.enforcement.requests("Unban")] == [
        (GROUP, MEMBER)
    ]
    assert [list(r.add) for r in fakes.tenancy.requests("ChangeExemptUsers")] == [[MEMBER]]


async def test_undo_pressed_again_or_after_the_member_was_let_go_changes_nothing() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG, exempt_user_ids=[MEMBER])
    people(fakes)
    undoable(fakes)

    twice = await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, ON_LINE)
    protected(fakes, log_chat_id=LOG)
    fakes.enforcement.answer("ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse())
    joined = await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, ON_LINE)

    assert twice is not None
    assert joined is not None
    assert twice.text == "Already undone: this member is exempt, so nothing changed."
    assert joined.text.startswith("Nothing to undo: I no longer mute this member")
    assert twice.relabel == joined.relabel == ""
    for method in ("Release", "Unban", "MarkLogLineUndone"):
        assert fakes.enforcement.requests(method) == []
    assert fakes.tenancy.requests("ChangeExemptUsers") == []


async def test_an_undo_handled_again_after_failing_part_way_finishes_not_refuses() -> None:
    """Under load the line's redraw timed out after the exemption: "Already undone", once."""
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)
    undoable(fakes)
    fakes.enforcement.answer(
        "MarkLogLineUndone", rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, "busy")
    )
    with pytest.raises(BackendError):
        await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, ON_LINE)
    fakes.enforcement.answer(
        "MarkLogLineUndone",
        enforcement.MarkLogLineUndoneResponse(mark=enforcement.LOG_LINE_MARK_MARKED),
    )

    again = await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, ON_LINE)
    second = Press(2, "press-2", private=False, message=Pressed(LOG, 77))
    other_press = await on_owner_pressed(fakes.ctx, Lookup(), UNDO, OLGA, second)

    assert again is not None
    assert other_press is not None
    assert again.text == "Undone: Mallory is exempt now and unmuted."
    assert len(fakes.enforcement.requests("MarkLogLineUndone")) == 2
    # Every step of the press is keyed by it: done again, it is done once downstream.
    assert {r.idempotency_key for r in fakes.enforcement.requests("Release")} == {
        fakes.enforcement.requests("Release")[0].idempotency_key
    }
    # A second press, by then, changes nothing.
    assert other_press.text == "Already undone: this member is exempt, so nothing changed."


async def test_a_lost_log_chat_is_cleared_for_every_group_logging_there_whoever_removed() -> None:
    fakes = Fakes()
    protected(fakes, log_chat_id=LOG)
    people(fakes)
    logging_there = policy(log_chat_id=LOG)
    fakes.tenancy.answer("ListGroups", tenancy.ListGroupsResponse(groups=[logging_there]))
    fakes.tenancy.answer("UpdateGroupSettings", set_to(0))

    first = await log_chat.lost(fakes.ctx, LOG, "Chat log")
    fakes.tenancy.answer("ListGroups", tenancy.ListGroupsResponse())  # cleared: none left
    again = await log_chat.lost(fakes.ctx, LOG, "Chat log")

    assert [(n.chat_id, n.text.split(",")[0]) for n in first] == [
        (OWNER, "📋 I can no longer post in «Chat log»")
    ]
    assert again == []
    assert [r.log_chat_id for r in fakes.tenancy.requests("ListGroups")] == [LOG, LOG]
    (update,) = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.log_chat_id == 0
