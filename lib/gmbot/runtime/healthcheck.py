"""Container health checks, where no grpc_health_probe binary is shipped; exit 0 when healthy.

python -m gmbot.runtime.healthcheck [HOST:PORT [SERVICE]]
    grpc.health.v1 says SERVING; without a target, 127.0.0.1 on the port the service was
    configured with (GRPC_PORT), so the image's HEALTHCHECK follows GRPC_PORT. SERVICE is ""
    (readiness, the default) or `liveness` (gmbot.runtime.server.LIVENESS).
python -m gmbot.runtime.healthcheck --http PATH
    GET http://127.0.0.1:$ADMIN_PORT/PATH answers 2xx (the gateway's /healthz, on the operators'
    port it was configured with).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_GRPC_PORT = "50051"
DEFAULT_ADMIN_PORT = "9104"


def check(target: str, service: str = "", timeout: float = 2.0) -> bool:
    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def check_http(path: str, timeout: float = 2.0) -> bool:
    port = os.environ.get("ADMIN_PORT") or DEFAULT_ADMIN_PORT
    url = f"http://127.0.0.1:{port}/{path.lstrip('/')}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return 200 <= int(answer.status) < 300
    except (urllib.error.URLError, OSError):
        return False


def configured_target() -> str:
    """127.0.0.1 on the service's GRPC_PORT (it listens on every interface in the images)."""
    return f"127.0.0.1:{os.environ.get('GRPC_PORT') or DEFAULT_GRPC_PORT}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--http"] and len(args) == 2:
        return 0 if check_http(args[1]) else 1
    if len(args) > 2 or args[:1] == ["--http"]:
        sys.stderr.write((__doc__ or "") + "\n")
        return 2
    target = args[0] if args else configured_target()
    service = args[1] if len(args) == 2 else ""
    return 0 if check(target, service) else 1


if __name__ == "__main__":
    sys.exit(main())
