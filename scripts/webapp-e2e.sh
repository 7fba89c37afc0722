#!/usr/bin/env bash
# The advisor console's browser journeys (webapp/e2e) for `make test` and CI.
# Playwright's global setup starts the simulator, gateway web and worker, the bff and Vite on
# free ports, on a fresh database and RabbitMQ vhost (needs Postgres and RabbitMQ running and
# .venv installed). The browser is Debian's Chromium: never a Playwright browser download.
set -euo pipefail
cd "$(dirname "$0")/../webapp"

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser journeys" >&2
    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
  else
    echo "$chromium is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

# Install exactly the locked dependencies when they are missing or the lock changed.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROMIUM_PATH="$chromium" npm run e2e -- "$@"
