"""'I have joined' pressed again and again: one check of Telegram, every press answered."""

from __future__ import annotations

import json

from tests.support.gateway import RunningGateway, World, updates_failed
from tests.support.waiting import eventually


async def _answer(gateway: RunningGateway, query_id: str) -> dict[str, object]:
    answers: list[dict[str, object]] = []

    async def answered() -> bool:
        answer = await gateway.control.callback_answer(query_id)
        if answer is not None:
            answers.append(answer)
        return bool(answers)

    await eventually(answered, what="an answer to the press")
    return answers[0]


async def test_repeated_i_have_joined_presses_are_answered_from_the_last_check(
    world: World, gateway: RunningGateway
) -> None:
    # Each press was a fresh getChatMember per linked channel, without limit.
    control = gateway.control
    mark = await gateway.mark()
    await control.say(world.group, world.owner, f"/protect @{world.channel_username}")
    await gateway.reply_to(mark, world.group, containing="Done")
    mark = await gateway.mark()
    await control.say(world.group, world.member, "hi")
    await gateway.reply_to(mark, world.group, containing="please join")
    warning = next(
        c for c in await gateway.calls("sendMessage", mark) if "please join" in c["params"]["text"]
    )
    button = json.loads(warning["params"]["reply_markup"])["inline_keyboard"][-1][0]
    message_id = warning["result"]["message_id"]
    failed = updates_failed()
    mark = await gateway.mark()

    answers = []
    for _ in range(6):
        query = await control.press(world.group, message_id, world.member, button["callback_data"])
        answers.append(await _answer(gateway, query))

    assert len(await gateway.calls("getChatMember", mark)) == 1
    assert all("News" in str(a["text"]) and a["show_alert"] for a in answers)
    assert len(await gateway.calls("answerCallbackQuery", mark)) == 6
    assert (await control.member(world.group, world.member))["status"] == "restricted"
    assert updates_failed() == failed
