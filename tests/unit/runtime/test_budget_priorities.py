"""Which of the callers waiting for the budget goes first: deletions, then checks, then mutes,
then warnings, then a log chat's lines; decided on a clock the test holds."""

from __future__ import annotations

import pytest

from gmbot.runtime.budget.core import Priority
from tests.support.budget import ask_at, local_budget

GROUP = -1001234567890


@pytest.mark.parametrize(
    # A check behind an urgent call; a log chat's lines behind a warning.
    ("higher", "lower"),
    [(Priority.URGENT, Priority.CHECK), (Priority.LATER, Priority.IDLE)],
)
def test_a_lower_priority_waits_while_a_higher_one_waits_for_the_overall_spacing(
    higher: Priority, lower: Priority
) -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, None, higher, False, now=0.0) == 0
    # A higher call is now waiting for the next slot...
    assert ask_at(limits, None, higher, False, now=0.0) > 0
    # ...so a lower one may not take that slot when it frees up, but the higher one may.
    assert ask_at(limits, None, lower, False, now=0.08) > 0
    assert ask_at(limits, None, higher, False, now=0.08) == 0
    # Once nobody higher waits any more, the lower ones go again.
    assert ask_at(limits, None, lower, False, now=1.0) == 0


def test_waiting_out_one_chat_holds_nobody_else_back() -> None:
    limits = local_budget(per_second=1000, group_per_minute=1)
    assert ask_at(limits, GROUP, Priority.URGENT, True, now=0.0) == 0
    assert ask_at(limits, GROUP, Priority.URGENT, True, now=0.0) > 50

    assert ask_at(limits, None, Priority.LATER, False, now=0.01) == 0


def test_a_check_never_waits_behind_a_mute_and_a_mute_waits_behind_a_check() -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, None, Priority.URGENT, False, now=0.0) == 0
    # A mute is waiting for the next slot: a check still takes it first.
    assert ask_at(limits, None, Priority.PUNISH, False, now=0.0) > 0
    assert ask_at(limits, None, Priority.CHECK, False, now=0.08) == 0
    # A check is waiting: the mute does not take its slot, a deletion does.
    assert ask_at(limits, None, Priority.CHECK, False, now=0.08) > 0
    assert ask_at(limits, None, Priority.PUNISH, False, now=0.18) > 0
    assert ask_at(limits, None, Priority.URGENT, False, now=0.18) == 0


def test_a_check_told_to_wait_behind_a_deletion_still_goes_before_a_mute() -> None:
    limits = local_budget(per_second=10)
    assert ask_at(limits, None, Priority.URGENT, False, now=0.0) == 0
    assert ask_at(limits, None, Priority.URGENT, False, now=0.0) > 0  # a deletion waits
    assert ask_at(limits, None, Priority.CHECK, False, now=0.01) > 0  # a check, behind it
    assert ask_at(limits, None, Priority.URGENT, False, now=0.08) == 0
    # The deletion served, the check not back yet: in a raid a mute polling then took its slot.
    assert ask_at(limits, None, Priority.PUNISH, False, now=0.176) > 0
    assert ask_at(limits, None, Priority.CHECK, False, now=0.18) == 0


def test_a_message_waiting_for_its_groups_minute_holds_no_place_before_lower_ones() -> None:
    """A warning whose group's minute is full waits for its group, not behind the checks: it
    claims no turn meanwhile, so a log chat's line still goes once the checks are served."""
    limits = local_budget(per_second=10, group_per_minute=60)
    assert ask_at(limits, GROUP, Priority.LATER, True, now=0.0) == 0  # a warning sent
    assert ask_at(limits, None, Priority.CHECK, False, now=0.0) > 0  # a check waits its slot
    # The next warning is told its group's slot, not to ask again every interval.
    assert ask_at(limits, GROUP, Priority.LATER, True, now=0.01) > 0.9
    assert ask_at(limits, None, Priority.CHECK, False, now=0.08) == 0
    assert ask_at(limits, None, Priority.IDLE, False, now=0.2) == 0
