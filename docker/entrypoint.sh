#!/bin/sh
# Container entrypoint: run the role's command, through the New Relic agent only when a
# licence key is set (without one the agent is neither loaded nor heard from).
set -eu

if [ -n "${NEW_RELIC_LICENSE_KEY:-}" ]; then
    # The code initialises the agent again (shared/observability/newrelic.py); New Relic refuses
    # a second initialisation against a different environment, so both must agree on it.
    NEW_RELIC_ENVIRONMENT="${NEW_RELIC_ENVIRONMENT:-${APP_ENV:-local}}"
    export NEW_RELIC_ENVIRONMENT
    exec newrelic-admin run-program "$@"
fi
exec "$@"
