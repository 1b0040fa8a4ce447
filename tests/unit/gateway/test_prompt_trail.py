"""What the panel's prompts leave behind: the prompt goes once its answer is taken and is not
heard again, only GMBot's last answer to it stays, an unanswered prompt goes when its person is
asked again, and the people picker's message goes once people are picked."""

from __future__ import annotations

from gmbot.gateway.flows import prompt_trail
from gmbot.gateway.flows.panel_data import Asked
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes

ASKED = Asked(world.OWNER, world.GROUP, in_private=False)


async def test_a_prompt_goes_once_taken_with_the_refusal_before_and_is_not_heard_again() -> None:
    ctx = Fakes().ctx
    assert await prompt_trail.asked(ctx, world.GROUP, 80, ASKED) == []

    refused = await prompt_trail.answered(ctx, world.GROUP, 80, 82, taken=False)
    refused_again = await prompt_trail.answered(ctx, world.GROUP, 80, 84, taken=False)
    still = await prompt_trail.waiting(ctx, world.GROUP, 80)
    taken = await prompt_trail.answered(ctx, world.GROUP, 80, 86, taken=True)

    assert refused == []
    assert refused_again == [82]
    assert still == ASKED
    assert taken == [84, 80]
    assert await prompt_trail.waiting(ctx, world.GROUP, 80) is None


async def test_asked_again_the_unanswered_prompt_and_its_refusal_go_an_answered_one_stays() -> None:
    ctx = Fakes().ctx
    await prompt_trail.asked(ctx, world.GROUP, 80, ASKED)
    await prompt_trail.answered(ctx, world.GROUP, 80, 82, taken=False)

    again = await prompt_trail.asked(ctx, world.GROUP, 90, ASKED)
    await prompt_trail.answered(ctx, world.GROUP, 90, 92, taken=True)
    third = await prompt_trail.asked(ctx, world.GROUP, 95, ASKED)
    elsewhere = await prompt_trail.asked(ctx, world.OWNER, 95, ASKED)

    assert again == [80, 82]
    # The answer taken (a preview, a confirmation) is a panel: it stays.
    assert third == []
    assert elsewhere == []
    assert await prompt_trail.waiting(ctx, world.GROUP, 80) is None
    assert await prompt_trail.waiting(ctx, world.GROUP, 95) == ASKED


async def test_the_people_pickers_message_goes_once_people_are_picked_or_a_new_one_is_sent() -> (
    None
):
    ctx = Fakes().ctx

    first = await prompt_trail.picker_sent(ctx, world.OWNER, 40)
    second = await prompt_trail.picker_sent(ctx, world.OWNER, 41)
    picked = await prompt_trail.people_picked(ctx, world.OWNER)
    picked_again = await prompt_trail.people_picked(ctx, world.OWNER)

    assert (first, second, picked, picked_again) == ([], [40], [41], [])
