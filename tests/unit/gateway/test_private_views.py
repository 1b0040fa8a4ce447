"""Every administrator manages from private: the groups they administer, the views after picking
one (each with Back), every press checked against the kept administrator list; and /protect
makes a new group speak its protector's language."""

from __future__ import annotations

from dataclasses import replace

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows import commands, private_menu, private_views
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.owner_buttons import Press, on_owner_pressed
from gmbot.gateway.flows.replies import Reply, owner_button
from gmbot.gateway.texts import say
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import SIGNING_KEY, Fakes
from tests.unit.gateway.test_flow_commands import NEWS, Lookup
from tests.unit.gateway.world import GROUP, OLGA, admins, command, links_made, policy, protected

CO_ADMIN = Person(33, "Carla")
STRANGER = Person(44, "Sam")


def indexed(fakes: Fakes, *group_ids: int) -> None:
    fakes.membership.answer(
        "ListAdministeredGroups", membership.ListAdministeredGroupsResponse(group_ids=group_ids)
    )
    fakes.tenancy.answer("ListOwnerGroups", tenancy.ListOwnerGroupsResponse())
    fakes.tenancy.answer("RecordPersonStarted", tenancy.RecordPersonStartedResponse(alerts=True))


def texts_of(reply: Reply) -> list[str]:
    return [button.text for row in reply.rows for button in row]


async def press(fakes: Fakes, presser: Person, action: str, value: int) -> Reply | None:
    data = owner_button(SIGNING_KEY, "", action, GROUP, value).data
    answer = await on_owner_pressed(fakes.ctx, Lookup(), data, presser, Press(9, "q", True))
    assert answer is not None
    return answer.edit


async def test_a_co_admin_who_opens_the_bot_sees_the_group() -> None:
    fakes = Fakes()
    protected(fakes)
    indexed(fakes, GROUP)  # membership's lists name the co-admin; tenancy names only the owner
    fakes.membership.answer("GetChatAdministrators", admins(CO_ADMIN.user_id))

    reply = await private_views.groups_list(fakes.ctx, CO_ADMIN, "en")

    assert reply.text.startswith(say("en", "groups_header"))
    assert "Chat" in reply.text
    assert texts_of(reply) == ["Chat", say("en", "button_alerts_on")]
    [opened] = fakes.tenancy.requests("RecordPersonStarted")
    assert opened.user_id == CO_ADMIN.user_id


async def test_someone_the_kept_list_no_longer_names_sees_no_group() -> None:
    fakes = Fakes()
    protected(fakes)
    indexed(fakes, GROUP)  # the index lags; the administrator list is what counts
    fakes.membership.answer("GetChatAdministrators", admins())

    reply = await private_views.groups_list(fakes.ctx, STRANGER, "en")

    assert reply == Reply(say("en", "groups_none"))


async def test_the_owner_still_sees_the_group_when_membership_lost_its_index() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("ListAdministeredGroups", membership.ListAdministeredGroupsResponse())
    fakes.tenancy.answer(
        "ListOwnerGroups",
        tenancy.ListOwnerGroupsResponse(groups=[tenancy.GroupSummary(group_id=GROUP)]),
    )
    fakes.membership.answer("GetChatAdministrators", admins())

    reply = await private_views.choose_group(fakes.ctx, OLGA.user_id, "en", private_views.STATUS)

    assert reply.text == say("en", "choose_group")
    assert texts_of(reply) == ["Chat"]


async def test_every_private_view_has_back_to_the_groups_menu() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins(CO_ADMIN.user_id))

    shown = [
        await press(fakes, CO_ADMIN, private_menu.VIEW, view)
        for view in (private_views.STATUS, private_views.SETTINGS, private_views.UNPROTECT_VIEW)
    ]
    menu = await press(fakes, CO_ADMIN, private_menu.MENU, 0)

    for view in shown:
        assert view is not None
        assert view.rows[-1][0].text == say("en", "button_back")
    assert menu is not None
    assert texts_of(menu)[-1] == say("en", "button_back")
    assert say("en", "button_view_settings") in texts_of(menu)


async def test_a_stranger_cannot_open_a_groups_view_from_a_forwarded_button() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    data = owner_button(SIGNING_KEY, "", private_menu.VIEW, GROUP, private_views.STATUS).data

    answer = await on_owner_pressed(fakes.ctx, Lookup(), data, STRANGER, Press(9, "q", True))

    assert answer is not None
    assert answer.edit is None
    assert answer.text == say("en", "press_only_admins")


async def test_protect_sets_the_groups_language_from_the_protector() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    links_made(fakes)
    first = policy()
    first.version = commands.FIRST_VERSION
    fakes.tenancy.answer("ProtectGroup", tenancy.ProtectGroupResponse(policy=first, changed=True))
    russian = tenancy.GroupPolicy()
    russian.CopyFrom(first)
    russian.settings.language = "ru"
    fakes.tenancy.answer("UpdateGroupSettings", tenancy.UpdateGroupSettingsResponse(policy=russian))
    olga = replace(OLGA, language_code="ru")

    text = await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(olga), ["@news"])

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert (update.settings.language, list(update.update_mask.paths)) == ("ru", ["language"])
    assert text == "\n".join(
        [
            say("ru", "protected", channels="@news"),
            say("ru", "protected_language", name="Русский"),
        ]
    )
    assert (await fakes.ctx.policies.get(GROUP)) == policy_from(russian)


async def test_protect_again_keeps_the_language_the_owners_chose() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    links_made(fakes)
    fakes.tenancy.answer("ProtectGroup", tenancy.ProtectGroupResponse(policy=policy()))

    text = await commands.protect(
        fakes.ctx, Lookup(("@news", NEWS)), command(replace(OLGA, language_code="ru")), ["@news"]
    )

    assert text == say("en", "protected", channels="@news")
    assert fakes.tenancy.requests("UpdateGroupSettings") == []
