"""`python -m gmbot.runtime.healthcheck HOST:PORT [SERVICE]`: exit 0 when grpc.health.v1 says
SERVING. For container health checks, where no grpc_health_probe binary is shipped."""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(target: str, service: str = "", timeout: float = 2.0) -> bool:
    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m gmbot.runtime.healthcheck HOST:PORT [SERVICE]")
    target, service = sys.argv[1], (sys.argv[2] if len(sys.argv) == 3 else "")
    sys.exit(0 if check(target, service) else 1)


if __name__ == "__main__":
    main()
