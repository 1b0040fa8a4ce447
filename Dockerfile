# syntax=docker/dockerfile:1
# One Dockerfile, one target per service: docker build --target tenancy -t gmbot-tenancy .
# Each image's /opt/venv holds only its service's distribution, the workspace distributions it
# depends on (gmbot-runtime, gmbot-contracts) and their dependencies, exactly as uv.lock pins them,
# installed non-editable: no other service's code. It runs as a non-root user on a read-only root
# file system; SIGTERM drains calls in flight.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS workspace
# The uv that pyproject.toml requires (tool.uv.required-version); uv refuses to run otherwise.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
WORKDIR /src
# Every member's pyproject.toml and uv.lock (uv reads the whole workspace); only /opt/venv, built
# from them for one service, leaves this stage.
COPY . .

FROM workspace AS build-tenancy
RUN uv sync --frozen --no-dev --no-editable --package gmbot-tenancy
FROM workspace AS build-membership
RUN uv sync --frozen --no-dev --no-editable --package gmbot-membership
FROM workspace AS build-enforcement
RUN uv sync --frozen --no-dev --no-editable --package gmbot-enforcement
FROM workspace AS build-gateway
RUN uv sync --frozen --no-dev --no-editable --package gmbot-gateway
FROM workspace AS build-sandbox
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
  CMD ["python", "-m", "gmbot.runtime.healthcheck", "127.0.0.1:50051"]
ENTRYPOINT ["python", "-m", "gmbot.tenancy"]
CMD ["serve"]

FROM base AS membership
COPY --from=build-membership /opt/venv /opt/venv
ENV GRPC_PORT=50052 METRICS_PORT=9102
EXPOSE 50052 9102
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck", "127.0.0.1:50052"]
ENTRYPOINT ["python", "-m", "gmbot.membership"]

FROM base AS enforcement
COPY --from=build-enforcement /opt/venv /opt/venv
ENV GRPC_PORT=50053 METRICS_PORT=9103
EXPOSE 50053 9103
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-m", "gmbot.runtime.healthcheck", "127.0.0.1:50053"]
ENTRYPOINT ["python", "-m", "gmbot.enforcement"]
CMD ["serve"]

FROM base AS gateway
COPY --from=build-gateway /opt/venv /opt/venv
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["python", "-m", "gmbot.gateway"]

FROM base AS sandbox
COPY --from=build-sandbox /opt/venv /opt/venv
EXPOSE 8081
ENTRYPOINT ["python", "-m", "gmbot.sandbox", "--host", "0.0.0.0", "--port", "8081"]
