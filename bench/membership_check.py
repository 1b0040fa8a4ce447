"""Cached CheckMembership over gRPC next to a bare grpc.aio echo server, and Bot API calls per
1,000 checks for a realistic mix of users once membership events flow.

    .venv/bin/python -m bench.membership_check [--seconds 5] [--concurrency 1 8 32 64]

The membership service runs in its own process (in-process cache, its default), the echo server
in another, the sandbox and the load in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import SecretStr

from bench.harness import ECHO_METHOD, Figures, load, start_echo_server, start_service
from gmbot.membership.app import build
from gmbot.membership.settings import MembershipSettings
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import membership_pb2 as pb
from gmbot.v1 import membership_pb2_grpc

TOKEN = "bench-token-0123456789abcdef"
USERS = 1000
MEMBER_SHARE = 0.9


async def bench(seconds: float, concurrencies: list[int]) -> None:
    async with running_sandbox(config=SandboxConfig(limits=LimitConfig(enabled=False))) as sandbox:
        control = sandbox.control
        bot = await control.create_bot("bench_bot")
        owner = (await control.create_user("Owner"))["id"]
        channel = (await control.create_chat("channel", "News", username="news", creator_id=owner))[
            "id"
        ]
        await control.promote(channel, bot["user"]["id"])
        users = [(await control.create_user(f"U{i}"))["id"] for i in range(USERS)]
        members = set(random.Random(1).sample(users, int(USERS * MEMBER_SHARE)))
        for user in members:
            await control.join(channel, user)
        settings = MembershipSettings(
            auth_token=SecretStr(TOKEN),
            grpc_port=0,
            metrics_enabled=False,
            bot_token=SecretStr(bot["token"]),
            telegram_api_url=sandbox.url,
        )
        service_process, port = start_service("membership", build, settings)
        echo_process, echo_port = start_echo_server()
        metadata = (("authorization", f"Bearer {TOKEN}"),)
        try:
            async with (
                grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel_to_service,
                grpc.aio.insecure_channel(f"127.0.0.1:{echo_port}") as echo_channel,
            ):
                stub = membership_pb2_grpc.MembershipServiceStub(channel_to_service)
                now = Timestamp()
                now.FromSeconds(int(time.time()))
                # The gateway forwards every chat_member update of a linked channel: so does this.
                for user in members:
                    await stub.RecordChatMemberUpdate(
                        pb.RecordChatMemberUpdateRequest(
                            chat_id=channel,
                            user_id=user,
                            old_status=pb.CHAT_MEMBER_STATUS_LEFT,
                            new_status=pb.CHAT_MEMBER_STATUS_MEMBER,
                            date=now,
                        ),
                        metadata=metadata,
                    )
                before = len(await control.journal(method="getChatMember"))
                rng = random.Random(2)
                mix = [rng.choice(users) for _ in range(10_000)]
                for user in mix:
                    await stub.CheckMembership(
                        pb.CheckMembershipRequest(user_id=user, channel_ids=[channel]),
                        metadata=metadata,
                    )
                calls = await control.journal(method="getChatMember")
                asked = {int(c["params"]["user_id"]) for c in calls[before:]}
                member_calls = sum(
                    1 for c in calls[before:] if int(c["params"]["user_id"]) in members
                )
                known_checks = sum(1 for u in mix if u in members)
                total = len(calls) - before
                lines = [
                    f"Bot API calls for 10,000 checks ({MEMBER_SHARE:.0%} members, events seen):",
                    f"  all users:     {total} getChatMember -> {total / 10:.1f} per 1,000 checks",
                    f"  known members: {member_calls} for {known_checks} checks -> "
                    f"{member_calls / known_checks * 1000:.2f} per 1,000",
                    f"  non-members: {len(asked)} users asked once, then cached (negative TTL)",
                ]
                print("\n".join(lines))

                hot = pb.CheckMembershipRequest(user_id=next(iter(members)), channel_ids=[channel])
                payload = hot.SerializeToString()
                echo = echo_channel.unary_unary(ECHO_METHOD, None, None)

                async def check_call() -> None:
                    await stub.CheckMembership(hot, metadata=metadata, timeout=5)

                async def echo_call() -> None:
                    await echo(payload, timeout=5)

                print("\nCached CheckMembership vs bare echo")
                for concurrency in concurrencies:
                    order = [("echo", echo_call), ("CheckMembership", check_call)]
                    pair: dict[str, Figures] = {}
                    for label, call in order if concurrency % 2 else order[::-1]:
                        pair[label] = await load(label, call, concurrency, seconds)
                    for figures in pair.values():
                        print("  " + figures.row())
                    ratio = pair["CheckMembership"].rate / pair["echo"].rate
                    print(f"  ratio CheckMembership/echo at c={concurrency}: {ratio:.2f}")
                half = pair["CheckMembership"].rate / 2
                paced = await _paced(check_call, half, seconds)
                p50, p99 = paced.percentile(50), paced.percentile(99)
                print(
                    f"\nAt half the peak ({half:.0f} calls/s): p50 {p50:.2f} ms, p99 {p99:.2f} ms"
                )
        finally:
            service_process.kill()
            echo_process.kill()


async def _paced(call: object, rate: float, seconds: float) -> Figures:
    """An open-loop load at `rate` calls/s: latency as a member sees it, not under saturation."""
    latencies: list[float] = []
    interval = 1.0 / rate
    tasks = []

    async def one() -> None:
        started = time.perf_counter()
        await call()  # type: ignore[operator]
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    next_at = started
    while time.perf_counter() - started < seconds:
        tasks.append(asyncio.ensure_future(one()))
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.gather(*tasks)
    return Figures("paced", 0, len(latencies), time.perf_counter() - started, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    args = parser.parse_args()
    asyncio.run(bench(args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
