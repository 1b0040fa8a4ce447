"""A raid: N violators across G groups, each message to delete, member to mute and warn, through
the enforcement service into the sandbox with Telegram's limits on (30 requests/s, 20 messages
a minute per group).

    .venv/bin/python -m bench.enforcement_raid [--violators 10000] [--groups 50] [--workers 32]

Reports the wall time next to the least time Telegram's limits allow for the calls made, the
429s received, and actions lost or doubled (from the sandbox's journal). Needs PostgreSQL and
Redis, as the tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import time
import uuid
from typing import Any

import grpc
from pydantic import SecretStr

from bench.harness import start_service
from gmbot.enforcement.app import build
from gmbot.enforcement.settings import EnforcementSettings
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.client import SandboxClient
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.support.databases import fresh_postgres
from tests.support.membership import forget_keys

TOKEN = "bench-token-0123456789abcdef"
PER_SECOND = 30
GROUP_PER_MINUTE = 20


async def bench(violators: int, groups: int, workers: int) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    server_url = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    prefix = f"bench:{uuid.uuid4().hex}:"
    async with running_sandbox() as sandbox, fresh_postgres(server_url) as database_url:
        control = sandbox.control
        bot = await control.create_bot("raid_bot")
        owner = (await control.create_user("Owner"))["id"]
        chat_ids = []
        for g in range(groups):
            chat = (await control.create_chat("supergroup", f"G{g}", creator_id=owner))["id"]
            await control.promote(chat, bot["user"]["id"])
            chat_ids.append(chat)
        raid = []
        for i in range(violators):
            user = (await control.create_user(f"R{i}"))["id"]
            group = chat_ids[i % groups]
            await control.join(group, user)
            said = await control.say(group, user, "spam")
            raid.append((group, user, said["message_id"]))
        settings = EnforcementSettings(
            auth_token=SecretStr(TOKEN),
            grpc_port=0,
            metrics_enabled=False,
            bot_token=SecretStr(bot["token"]),
            telegram_api_url=sandbox.url,
            database_url=database_url,
            migrate_on_start=True,
            redis_url=redis_url,
            redis_prefix=prefix,
            callback_signing_key=SecretStr("k" * 40),
            workers=workers,
            requests_per_second=PER_SECOND,
            group_messages_per_minute=GROUP_PER_MINUTE,
        )
        process, port = start_service("enforcement", build, settings)
        metadata = (("authorization", f"Bearer {TOKEN}"),)
        await control.clear_journal()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
                started_at = time.time()
                for n, (group, user, message_id) in enumerate(raid):
                    await stub.Enforce(
                        pb.EnforceRequest(
                            idempotency_key=f"raid:{n}",
                            group_id=group,
                            user_id=user,
                            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
                            action=pb.MEMBER_ACTION_MUTE,
                            message_id=message_id,
                            warning=pb.WarningSpec(
                                language="en",
                                user_display_name=f"R{n}",
                                group_title="G",
                                join_buttons=[pb.JoinButton(text="News", url="https://t.me/news")],
                                ttl_seconds=3600,
                            ),
                        ),
                        metadata=metadata,
                    )
                accepted_in = time.time() - started_at
                await _until_done(control, violators)
        finally:
            process.kill()
            await forget_keys(redis_url, prefix)
        journal = await control.journal()
    # From the first request to the last Bot API call it caused.
    wall = max(float(e["time"]) for e in journal) - started_at
    report(journal, raid, wall, accepted_in, groups)


async def _until_done(control: SandboxClient, violators: int) -> None:
    """Every member muted, and time for the last warnings to go out."""
    # Only new entries each time: serializing the whole journal every second would stall the
    # sandbox's loop and bunch up the requests waiting behind it.
    muted, since = 0, 0
    while muted < violators:
        await asyncio.sleep(1.0)
        entries = await control.journal(method="restrictChatMember", since=since)
        muted += sum(1 for e in entries if e["ok"])
        since = max([since, *(int(e["seq"]) for e in entries)])
    await asyncio.sleep(5)


def report(
    journal: list[dict[str, Any]],
    raid: list[tuple[int, int, int]],
    wall: float,
    accepted_in: float,
    groups: int,
) -> None:
    ok = [e for e in journal if e["ok"]]
    too_many = collections.Counter(str(e["method"]) for e in journal if e["error_code"] == 429)
    restricts = collections.Counter(
        str(e["params"]["user_id"]) for e in ok if e["method"] == "restrictChatMember"
    )
    deletes = collections.Counter(
        str(e["params"]["message_id"]) + "@" + str(e["params"]["chat_id"])
        for e in ok
        if e["method"] == "deleteMessage"
    )
    sends = [e for e in ok if e["method"] == "sendMessage"]
    per_group = collections.Counter(str(e["params"]["chat_id"]) for e in sends)
    warned: collections.Counter[int] = collections.Counter()
    for e in sends:
        text = str(e["params"]["text"])
        for _, user, _ in raid:
            if f'id={user}"' in text:
                warned[user] += 1
    lost = sum(1 for _, user, _ in raid if restricts[str(user)] == 0) + sum(
        1 for group, _, message in raid if deletes[f"{message}@{group}"] == 0
    )
    doubled = sum(n - 1 for n in restricts.values() if n > 1) + sum(
        n - 1 for n in deletes.values() if n > 1
    )
    doubled += sum(n - 1 for n in warned.values() if n > 1)
    unwarned = sum(1 for _, user, _ in raid if warned[user] == 0)
    allowed = max(
        len(ok) / PER_SECOND, max((n - 1) * 60 / GROUP_PER_MINUTE for n in per_group.values())
    )
    print(
        f"{len(raid)} violators in {groups} groups: {len(ok)} Bot API calls "
        f"({len(deletes)} deletions, {sum(restricts.values())} mutes, {len(sends)} warnings)"
    )
    print(f"  accepted in {accepted_in:.1f} s; wall time {wall:.1f} s; Telegram's limits allow")
    print(f"  {allowed:.1f} s for these calls -> {wall / allowed:.2f}x")
    print(f"  429s received: {sum(too_many.values())} {dict(too_many)}")
    print(f"  lost: {lost}; doubled: {doubled}; never warned: {unwarned}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--violators", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(bench(args.violators, args.groups, args.workers))


if __name__ == "__main__":
    main()
