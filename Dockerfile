# syntax=docker/dockerfile:1
# One Dockerfile, one target per service: docker build --target tenancy -t gmbot-tenancy .
# Each image's /opt/venv holds only its service's distribution, the workspace distributions it
# depends on (gmbot-runtime, gmbot-contracts), the operator's `gmbot` command (gmbot-cli, which
# needs nothing more) and their dependencies, exactly as uv.lock pins them, installed
# non-editable: no other service's code. It runs as a non-root user on a read-only root file
# system; SIGTERM drains calls in flight. Each HEALTHCHECK asks the port the service is
# configured with (GRPC_PORT, or the gateway's operators' ADMIN_PORT), whatever it is set to,
# for readiness: healthy means able to work now (README, "health").

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS workspace
# The uv that pyproject.toml requires (tool.uv.required-version); uv refuses to run otherwise.
# It trusts the base image's certificate store (UV_SYSTEM_CERTS), as pip does, so a build behind
# a TLS-inspecting proxy whose CA the base image trusts reaches the package index too.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_SYSTEM_CERTS=1
WORKDIR /src
# First only what uv reads to resolve (every member's pyproject.toml and uv.lock): the locked
# third-party dependencies get a layer of their own, kept while only GMBot's code changes.
COPY pyproject.toml uv.lock ./
COPY proto/pyproject.toml proto/
COPY lib/pyproject.toml lib/
COPY cli/pyproject.toml cli/
COPY devstack/pyproject.toml devstack/
COPY sandbox/pyproject.toml sandbox/
COPY services/tenancy/pyproject.toml services/tenancy/
COPY services/membership/pyproject.toml services/membership/
COPY services/enforcement/pyproject.toml services/enforcement/
COPY services/gateway/pyproject.toml services/gateway/

# Only /opt/venv, built for one service, leaves these stages.
FROM workspace AS build-tenancy
RUN uv sync --frozen --no-dev --no-editable --no-install-workspace --package gmbot-tenancy --package gmbot-cli
COPY . .
RUN uv sync --frozen --no-dev --no-editable --package gmbot-tenancy --package gmbot-cli
FROM workspace AS build-membership
RUN uv sync --frozen --no-dev --no-editable --no-install-workspace --package gmbot-membership --package gmbot-cli
COPY . .
RUN uv sync --frozen --no-dev --no-editable --package gmbot-membership --package gmbot-cli
FROM workspace AS build-enforcement
RUN uv sync --frozen --no-dev --no-editable --no-install-workspace --package gmbot-enforcement --package gmbot-cli
COPY . .
RUN uv sync --frozen --no-dev --no-editable --package gmbot-enforcement --package gmbot-cli
FROM workspace AS build-gateway
RUN uv sync --frozen --no-dev --no-editable --no-install-workspace --package gmbot-gateway --package gmbot-cli
COPY . .
RUN uv sync --frozen --no-dev --no-editable --package gmbot-gateway --package gmbot-cli
FROM workspace AS build-sandbox
RUN uv sync --frozen --no-dev --no-editable --no-install-workspace --package gmbot-sandbox
COPY . .
RUN uv sync --frozen --no-dev --no-editable --package gmbot-sandbox

FROM ${PYTHON_IMAGE} AS base
RUN groupadd --system --gid 10001 gmbot \
 && useradd --system --uid 10001 --gid gmbot --no-create-home --shell /usr/sbin/nologin gmbot
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRPC_HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0 \
    LOG_FORMAT=json
WORKDIR /var/lib/gmbot
USER 10001:10001
STOPSIGNAL SIGTERM

FROM base AS tenancy
COPY --from=build-tenancy /opt/venv /opt/venv
ENV GRPC_PORT=50051 METRICS_PORT=9101
EXPOSE 50051 9101
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck"]
ENTRYPOINT ["python", "-m", "gmbot.tenancy"]
CMD ["serve"]

FROM base AS membership
COPY --from=build-membership /opt/venv /opt/venv
ENV GRPC_PORT=50052 METRICS_PORT=9102
EXPOSE 50052 9102
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck"]
ENTRYPOINT ["python", "-m", "gmbot.membership"]

FROM base AS enforcement
COPY --from=build-enforcement /opt/venv /opt/venv
ENV GRPC_PORT=50053 METRICS_PORT=9103
EXPOSE 50053 9103
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck"]
ENTRYPOINT ["python", "-m", "gmbot.enforcement"]
CMD ["serve"]

FROM base AS gateway
COPY --from=build-gateway /opt/venv /opt/venv
# 8080: the webhook (webhook mode only), the one port to publish. 9104: the operators' port
# (health, metrics, dead letters), for probes and Prometheus, never published. 8082: the owners'
# Mini App (only when MINIAPP_URL is set), published through the same proxy as the webhook.
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8080 ADMIN_HOST=0.0.0.0 ADMIN_PORT=9104 \
    MINIAPP_HOST=0.0.0.0 MINIAPP_PORT=8082
EXPOSE 8080 8082 9104
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck", "--http", "/readyz"]
ENTRYPOINT ["python", "-m", "gmbot.gateway"]

FROM base AS sandbox
COPY --from=build-sandbox /opt/venv /opt/venv
EXPOSE 8081
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/_sandbox/counters', timeout=2)"]
ENTRYPOINT ["python", "-m", "gmbot.sandbox", "--host", "0.0.0.0", "--port", "8081"]
