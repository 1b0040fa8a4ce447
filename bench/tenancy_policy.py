"""GetGroupPolicy through gRPC against PostgreSQL, next to a bare grpc.aio echo server.

    .venv/bin/python -m bench.tenancy_policy [--seconds 5] [--concurrency 1 8 32]

Needs PostgreSQL (TEST_DATABASE_URL, default postgres@127.0.0.1:5432); creates and drops its own
database. Both servers run in their own process; the load comes from this one.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import grpc
from pydantic import SecretStr

from bench.harness import ECHO_METHOD, Figures, load, start_echo_server, start_service
from gmbot.tenancy.app import build
from gmbot.tenancy.settings import TenancySettings
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc
from tests.support.databases import fresh_postgres

TOKEN = "bench-token-0123456789abcdef"
GROUP = -1001000000001


async def bench(seconds: float, concurrencies: list[int]) -> None:
    server_url = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    async with fresh_postgres(server_url) as database_url:
        settings = TenancySettings(
            auth_token=SecretStr(TOKEN),
            grpc_port=0,
            database_url=database_url,
            migrate_on_start=True,
            metrics_enabled=False,
        )
        tenancy_process, tenancy_port = start_service("tenancy", build, settings)
        echo_process, echo_port = start_echo_server()
        metadata = (("authorization", f"Bearer {TOKEN}"),)
        try:
            async with (
                grpc.aio.insecure_channel(f"127.0.0.1:{tenancy_port}") as tenancy_channel,
                grpc.aio.insecure_channel(f"127.0.0.1:{echo_port}") as echo_channel,
            ):
                stub = tenancy_pb2_grpc.TenancyServiceStub(tenancy_channel)
                await stub.ProtectGroup(
                    pb.ProtectGroupRequest(
                        group_id=GROUP,
                        group_title="Bench group",
                        owner=pb.Owner(user_id=42, username="owner"),
                        channels=[
                            pb.Channel(channel_id=-1002000000001, title="News", username="news"),
                            pb.Channel(
                                channel_id=-1002000000002,
                                title="Private",
                                invite_link="https://t.me/+bench",
                            ),
                        ],
                    ),
                    metadata=metadata,
                )
                request = pb.GetGroupPolicyRequest(group_id=GROUP)
                reply = await stub.GetGroupPolicy(request, metadata=metadata, timeout=5)
                payload = reply.SerializeToString()
                echo = echo_channel.unary_unary(ECHO_METHOD, None, None)

                async def policy_call() -> None:
                    await stub.GetGroupPolicy(request, metadata=metadata, timeout=5)

                async def echo_call() -> None:
                    await echo(payload, timeout=5)

                print(f"GetGroupPolicy (PostgreSQL, {len(payload)}-byte answer) vs bare echo")
                for concurrency in concurrencies:
                    pair: list[Figures] = []
                    # Alternate which goes first so drift on a shared machine hits both alike.
                    order = [("echo", echo_call), ("GetGroupPolicy", policy_call)]
                    for label, call in order if concurrency % 2 else order[::-1]:
                        pair.append(await load(label, call, concurrency, seconds))
                    by_label = {f.label: f for f in pair}
                    for figures in pair:
                        print("  " + figures.row())
                    ratio = by_label["GetGroupPolicy"].rate / by_label["echo"].rate
                    print(f"  ratio GetGroupPolicy/echo at c={concurrency}: {ratio:.2f}")
        finally:
            tenancy_process.kill()
            echo_process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    asyncio.run(bench(args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
