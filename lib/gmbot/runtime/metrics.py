"""Prometheus metrics of the gRPC layer, named as go-grpc-prometheus names them."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Histogram, start_http_server

GRPC_SERVER_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_SERVER_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time the server took to answer an RPC.",
    ["grpc_service", "grpc_method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRPC_CLIENT_HANDLED = Counter(
    "grpc_client_handled_total",
    "RPCs this process made, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_CLIENT_HANDLING_SECONDS = Histogram(
    "grpc_client_handling_seconds",
    "Time the called service took to answer, as seen by the caller.",
    ["grpc_service", "grpc_method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def split_method(full_method: str) -> tuple[str, str]:
    """'/gmbot.v1.TenancyService/GetGroupPolicy' -> service and method names."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method


def start_metrics_server(host: str, port: int) -> WSGIServer:
    """Serves /metrics on its own port from a daemon thread (port 0 asks the OS for one)."""
    server, _thread = start_http_server(port, addr=host)
    return server
