# One image for every Python role; the command picks the role:
#   python -m bff | python -m gateway web|worker|scheduler
#   python -m shared.ops migrate (one-shot)
# Two targets: `runtime` (the default, last stage) is what ships: CircleCI builds it and terraform
# runs it, and no layer of it holds the provider simulator. `local` (docker compose) adds
# `connectors/simulator/` for `python -m connectors.simulator`.
# Set PORT to the role's port: the HEALTHCHECK probes liveness (/livez) on it (8080 when unset);
# `/` is readiness (dependencies included), for load balancers.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/base.txt /tmp/requirements/base.txt
# Runtime pins only: test and lint tools never reach the image.
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements/base.txt

# The code that ships, byte-compiled here (the non-root user cannot write __pycache__ at run
# time). The simulator is removed in this stage, so it reaches neither a layer nor the image.
FROM python:3.11-slim AS code
WORKDIR /app
COPY pyproject.toml ./
COPY shared/ shared/
COPY contracts/ contracts/
COPY connectors/ connectors/
COPY gateway/ gateway/
COPY bff/ bff/
RUN rm -rf connectors/simulator && python -m compileall -q /app

# The same code with the provider simulator, for local runs only.
FROM code AS code-with-simulator
COPY connectors/simulator/ connectors/simulator/
RUN python -m compileall -q connectors/simulator

# How every role runs; the targets below differ only in the code they copy.
FROM python:3.11-slim AS base
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=local
RUN groupadd --system --gid 10001 origin \
    && useradd --system --uid 10001 --gid origin --no-create-home --shell /usr/sbin/nologin origin
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '8080'), timeout=2)"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["python", "-m", "bff"]

# docker compose: every role plus the provider simulator (8090).
FROM base AS local
COPY --from=code-with-simulator /app /app
EXPOSE 8080 8081 8082 8083 8090

# What ships (the default target): the roles only.
FROM base AS runtime
COPY --from=code /app /app
EXPOSE 8080 8081 8082 8083
