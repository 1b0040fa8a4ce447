"""What `gmbot reconcile` concludes about a member, case by case."""

from __future__ import annotations

import pytest

from gmbot.cli.findings import Finding, Seen, classify

GMBOTS_MUTE = Seen("restricted", can_send_messages=False, until=1_900_000_000)


@pytest.mark.parametrize(
    ("seen", "in_ledger", "finding"),
    [
        (GMBOTS_MUTE, False, Finding.STRANDED),
        (GMBOTS_MUTE, True, Finding.CONSISTENT),
        (Seen("member"), True, Finding.UNAPPLIED),
        (Seen("left"), True, Finding.UNAPPLIED),
        # Someone else's: forever (no end), or still able to write, or banned.
        (Seen("restricted", can_send_messages=False), True, Finding.UNAPPLIED),
        (Seen("restricted", can_send_messages=False), False, Finding.OTHERS),
        (Seen("restricted", can_send_messages=True, until=1_900_000_000), False, Finding.OTHERS),
        (Seen("kicked"), False, Finding.OTHERS),
        (Seen("member"), False, Finding.CONSISTENT),
        (Seen("administrator"), False, Finding.CONSISTENT),
        (None, True, Finding.UNKNOWN),
        (None, False, Finding.UNKNOWN),
    ],
)
def test_each_member_is_classified_by_the_ledger_and_telegram(
    seen: Seen | None, in_ledger: bool, finding: Finding
) -> None:
    assert classify(seen, in_ledger) is finding
