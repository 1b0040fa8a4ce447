"""A burst through the whole of GMBot: the violators' messages go in a few batched calls."""

from __future__ import annotations

import json
from typing import Any

from tests.support.e2e import E2E


def _deletions(calls: list[dict[str, Any]]) -> list[list[int]]:
    """The message ids of each deleteMessage or deleteMessages call."""
    return [
        [int(i) for i in json.loads(str(c["params"]["message_ids"]))]
        if c["method"] == "deleteMessages"
        else [int(c["params"]["message_id"])]
        for c in calls
        if c["method"] in ("deleteMessage", "deleteMessages")
    ]


async def test_a_bursts_violator_messages_are_deleted_in_a_few_calls_not_one_each(
    e2e: E2E,
) -> None:
    """Ten violators write three messages each at once (every one of them posted before anyone
    is muted) beside five members who follow the channel: all thirty messages go, in a handful
    of deleteMessages calls, and every violator is muted once."""
    people = [(f"v{n}", False) for n in range(10)] + [(f"m{n}", True) for n in range(5)]
    scene = await e2e.scene(*people)
    violators = [scene.members[f"v{n}"] for n in range(10)]
    members = [scene.members[f"m{n}"] for n in range(5)]
    mark = await e2e.mark()

    posted = await e2e.control.say_many(
        [(scene.group, user, f"spam {round_}") for round_ in range(3) for user in violators]
        + [(scene.group, user, "hello") for user in members]
    )
    ids = [int(m["message_id"]) for m in posted["messages"]]
    wanted, kept = set(ids[:30]), set(ids[30:])

    async def all_gone() -> bool:
        calls = [c for c in await e2e.calls(mark, scene.group) if c["ok"]]
        return wanted <= {m for ids in _deletions(calls) for m in ids}

    await e2e.wait_for(all_gone, seconds=40)
    await e2e.settle(2.0)
    calls = await e2e.calls(mark, scene.group)

    deletions = _deletions(calls)
    assert len(deletions) <= 6  # was one per message: 30
    deleted = {m for ids in deletions for m in ids}
    assert deleted == wanted  # the members' messages stay
    assert not deleted & kept
    restricted = [int(c["params"]["user_id"]) for c in calls if c["method"] == "restrictChatMember"]
    assert sorted(restricted) == sorted(violators)
