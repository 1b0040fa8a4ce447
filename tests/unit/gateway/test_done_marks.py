"""Where an update's done mark goes: its bot's block of 2**16 update ids, its bit there."""

from __future__ import annotations

from redis.crc import key_slot

from gmbot.gateway.intake.done_marks import BLOCK_BITS, BotUpdate, by_block


def test_an_update_is_a_bit_of_its_block() -> None:
    places = [
        (BotUpdate(42, n).block("p:"), BotUpdate(42, n).bit)
        for n in (0, BLOCK_BITS - 1, BLOCK_BITS, 5 * BLOCK_BITS + 7)
    ]

    assert places == [
        ("p:done:{42}:0", 0),
        ("p:done:{42}:0", BLOCK_BITS - 1),
        ("p:done:{42}:1", 0),
        ("p:done:{42}:5", 7),
    ]


def test_a_bots_blocks_share_its_slot_and_another_bots_are_apart() -> None:
    ours = {key_slot(BotUpdate(42, n * BLOCK_BITS).block("p:").encode()) for n in range(50)}
    theirs = BotUpdate(43, 0).block("p:")

    assert ours == {key_slot(b"42")}
    assert theirs != BotUpdate(42, 0).block("p:")


def test_the_claim_keeps_the_name_of_the_releases_before() -> None:
    assert BotUpdate(42, 1001).key == "update:42:1001"


def test_a_batch_is_set_block_by_block() -> None:
    updates = [BotUpdate(42, n) for n in (BLOCK_BITS - 2, BLOCK_BITS - 1, BLOCK_BITS)]
    updates.append(BotUpdate(7, 3))

    assert by_block("p:", updates) == {
        "p:done:{42}:0": [BLOCK_BITS - 2, BLOCK_BITS - 1],
        "p:done:{42}:1": [0],
        "p:done:{7}:0": [3],
    }
