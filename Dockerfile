# syntax=docker/dockerfile:1
# One Dockerfile, one target per service: docker build --target tenancy -t gmbot-tenancy .
# Each image carries only its own extra (pip install .[tenancy]) and runs as a non-root user on a
# read-only root file system; SIGTERM drains calls in flight.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS source
WORKDIR /src
COPY pyproject.toml README.md ./
COPY proto proto
COPY lib lib
COPY services services
COPY sandbox sandbox

FROM source AS build-tenancy
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ".[tenancy]"
FROM source AS build-membership
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ".[membership]"
FROM source AS build-enforcement
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ".[enforcement]"
FROM source AS build-gateway
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ".[gateway]"
FROM source AS build-sandbox
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ".[sandbox]"

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
