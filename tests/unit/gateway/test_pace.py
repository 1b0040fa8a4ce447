"""A group is busy from ten messages in the last minute, and quiet again once they age out."""

from __future__ import annotations

from gmbot.gateway.stores.pace import BUSY_MESSAGES, WINDOW_SECONDS, GroupPace


def test_a_group_is_busy_while_enough_of_its_messages_are_recent() -> None:
    now = [1000.0]
    pace = GroupPace(clock=lambda: now[0])
    for _ in range(BUSY_MESSAGES - 1):
        pace.seen(-1)
        now[0] += 1
    assert not pace.busy(-1)

    pace.seen(-1)

    assert pace.busy(-1)
    assert not pace.busy(-2)
    now[0] += WINDOW_SECONDS - BUSY_MESSAGES + 1  # the first message ages out
    assert not pace.busy(-1)
    now[0] += WINDOW_SECONDS
    assert not pace.busy(-1)
