# One image for every Python role; the command picks the role:
#   python -m bff | python -m gateway web|worker|scheduler | python -m connectors.simulator
#   python -m shared.ops migrate (one-shot)
# Set PORT to the role's port: the HEALTHCHECK probes liveness (/livez) on it (8080 when unset);
# `/` is readiness (dependencies included), for load balancers.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/base.txt /tmp/requirements/base.txt
# Runtime pins only: test and lint tools never reach the image.
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements/base.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=local
RUN groupadd --system --gid 10001 origin \
    && useradd --system --uid 10001 --gid origin --no-create-home --shell /usr/sbin/nologin origin
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY pyproject.toml ./
COPY shared/ shared/
COPY contracts/ contracts/
COPY connectors/ connectors/
COPY gateway/ gateway/
COPY bff/ bff/
# Byte-compile now: the non-root user cannot write __pycache__ at run time.
RUN python -m compileall -q /app
USER 10001:10001
EXPOSE 8080 8081 8082 8083 8090
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '8080'), timeout=2)"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["python", "-m", "bff"]
