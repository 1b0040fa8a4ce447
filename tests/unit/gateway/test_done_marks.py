"""Where an update's claim and "done" bit live: one Redis Cluster slot a bot, 2**16 bits a block."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.done_marks import BLOCK_BITS, DoneBit, claim_key, done_bit, update_key

PREFIX = "gmbot:gateway:"


def test_an_update_s_claim_and_its_block_share_a_cluster_slot_by_bot() -> None:
    key = update_key(6_000_000_001, 3 << BLOCK_BITS | 5)

    claim, bit = claim_key(PREFIX, key), done_bit(PREFIX, key)

    assert claim == "gmbot:gateway:update:{6000000001}:196613"
    assert bit == DoneBit("gmbot:gateway:done:{6000000001}:3", 5)
    assert key_slot(claim.encode()) == key_slot(bit.block.encode()) == key_slot(b"{6000000001}")


def test_the_ids_either_side_of_a_block_boundary_are_bits_of_two_blocks() -> None:
    edge = 1 << BLOCK_BITS

    assert done_bit(PREFIX, update_key(7, edge - 1)) == DoneBit(
        "gmbot:gateway:done:{7}:0", edge - 1
    )
    assert done_bit(PREFIX, update_key(7, edge)) == DoneBit("gmbot:gateway:done:{7}:1", 0)


def test_a_join_s_claim_is_a_key_of_its_own_and_never_marked_done() -> None:
    assert claim_key(PREFIX, "join:-100123:42") == "gmbot:gateway:update:join:-100123:42"
    assert done_bit(PREFIX, "join:-100123:42") is None


async def test_only_updates_are_marked_done() -> None:
    with pytest.raises(ValueError, match="only an update"):
        await UpdateLedger().done("join:-100123:42")
