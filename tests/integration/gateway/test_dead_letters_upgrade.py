"""A rolling upgrade from the release whose dead letters had no hash tag, on one Redis: the
letters it set aside are listed and removed beside the new ones, and stay where that release
reads them, so a rollback lists them too."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from gmbot.gateway.intake.dead_letters import DeadLetter, DeadLetters
from gmbot.runtime.redis import create_redis
from tests.support.membership import forget_keys

RETENTION = 3600.0


async def test_letters_the_release_before_set_aside_are_listed_and_removed(
    redis_url: str, tmp_path: Path
) -> None:
    redis = create_redis(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    old = DeadLetter("old-1", 7, "message", "INTERNAL", 1, time.time() - 60, {"update_id": 7})
    try:
        # As that release keeps one: a hash of letters and their index, without the tag.
        await redis.hset(f"{prefix}dead-letters", old.id, json.dumps(asdict(old)))
        await redis.zadd(f"{prefix}dead-letters:at", {old.id: old.at})
        letters = DeadLetters(redis, prefix, tmp_path / "unused.jsonl", RETENTION)
        new = await letters.record({"update_id": 8}, "message", "INTERNAL", 1)

        listed = [letter.id for letter in await letters.all()]
        still_where_it_was = await redis.hexists(f"{prefix}dead-letters", old.id)
        await letters.remove(old.id)
        after_removal = [letter.id for letter in await letters.all()]
        left_before_the_tag = await redis.hlen(f"{prefix}dead-letters")
    finally:
        await redis.aclose()
        await forget_keys(redis_url, prefix)

    assert listed == [old.id, new.id]
    assert still_where_it_was
    assert after_removal == [new.id]
    assert left_before_the_tag == 0
