"""The warning text written from the panel: asked for in a prompt, checked with a clear refusal,
previewed as members read it, saved with one tap, back to the built-in text; a reply by anyone
but the one asked is ignored."""

from __future__ import annotations

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.panel_data import Asked, PressAnswer, TypedAnswer
from gmbot.gateway.flows.settings_panel import press, prompted, typed
from gmbot.gateway.texts import say
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes
from tests.unit.gateway.panel_world import admin_world, changed

PROMPT = "✏️ Olga, reply to this message with the warning's new text (warning_text): …"


def _admin_world() -> Fakes:
    """Tenancy answers a change with the warning text set."""
    fakes = admin_world()
    changed(fakes, warning_text="Hi {user}")
    return fakes


async def _typed(fakes: Fakes, text: str, writer: Person | None = world.OLGA) -> PressAnswer | None:
    """`text` typed by `writer` in reply to the prompt (80) Olga was asked."""
    await prompted(fakes.ctx, world.GROUP, 80, Asked(world.OWNER, world.GROUP, in_private=False))
    return await typed(fakes.ctx, 7, writer, TypedAnswer(world.GROUP, 80, PROMPT, 81, text))


async def _answered(fakes: Fakes, text: str) -> PressAnswer:
    answer = await _typed(fakes, text)
    assert answer is not None
    return answer


async def test_the_text_is_asked_for_previewed_and_saved() -> None:
    fakes = _admin_world()
    opened = await press(fakes.ctx, world.command(), "set:warning_text:3")
    assert opened.panel is not None
    assert "{user}, {group}, {channels}" in opened.panel.text
    asked = await press(fakes.ctx, world.command(), "set:warning_text:3:t")
    assert "(<code>warning_text</code>)" in asked.prompt

    preview = (await _answered(fakes, "Hi {user}, join {channels} <now>")).panel

    assert fakes.tenancy.requests("UpdateGroupSettings") == []
    assert preview is not None
    assert 'Hi <a href="tg://user?id=11">Olga</a>, join' in preview.text
    assert "&lt;now&gt;" in preview.text
    save = preview.rows[0][0]
    assert save == (say("en", "button_save"), "set:warning_text:3:s81")

    saved = await press(fakes.ctx, world.command(), save[1])

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.warning_text == "Hi {user}, join {channels} <now>"
    assert update.expected_version == 3
    assert saved.panel is not None


async def test_a_bad_text_is_refused_with_what_to_fix() -> None:
    fakes = _admin_world()

    unknown = await _answered(fakes, "Hi {name}")
    unbalanced = await _answered(fakes, "Hi {user")
    too_long = await _answered(fakes, "x" * 1001)

    placeholders = "{user}, {group}, {channels}"
    assert unknown.note == say(
        "en", "warning_text_unknown", name="{name}", placeholders=placeholders
    )
    assert unbalanced.note == say("en", "warning_text_unbalanced", placeholders=placeholders)
    assert "1001" in too_long.note
    assert fakes.tenancy.requests("UpdateGroupSettings") == []


async def test_a_reply_by_anyone_else_is_ignored() -> None:
    fakes = _admin_world()

    assert await _typed(fakes, "Hi {user}", writer=Person(world.OWNER + 1, "Ivan")) is None
    assert (
        await typed(fakes.ctx, 7, world.OLGA, TypedAnswer(world.GROUP, 99, PROMPT, 81, "Hi"))
        is None
    )


async def test_the_built_in_text_is_one_choice() -> None:
    fakes = _admin_world()
    fakes.ctx.policies.remember(world.GROUP, policy_from(world.policy()))

    await press(fakes.ctx, world.command(), "set:warning_text:3:0")

    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.warning_text == ""
    assert list(update.update_mask.paths) == ["warning_text"]


async def test_a_save_after_the_draft_expired_says_so() -> None:
    fakes = _admin_world()

    answer = await press(fakes.ctx, world.command(), "set:warning_text:3:s5")

    assert answer.note == say("en", "warning_text_expired")
    assert fakes.tenancy.requests("UpdateGroupSettings") == []
