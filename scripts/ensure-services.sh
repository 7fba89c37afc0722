#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ (with its management API) answer on 127.0.0.1,
# starting them where installed but stopped, installing them with apt-get where missing.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 120); do
    port_open "$port" && return 0
    sleep 0.5
  done
  echo "ensure-services: $name did not come up on port $port" >&2
  exit 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* missing and not root; install it or run 'docker compose up -d postgres rabbitmq'" >&2
    exit 1
  fi
  [ -n "${APT_UPDATED:-}" ] || { apt-get -o DPkg::Lock::Timeout=600 update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for_port 5432 PostgreSQL
fi
# Trust auth for local tests (as on our machines); a no-op where it already works.
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 || {
  echo "ensure-services: cannot connect as postgres@127.0.0.1 (set TEST_POSTGRES_URL)" >&2
  exit 1
}

if ! port_open 5672; then
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  rabbitmq-server -detached
  wait_for_port 5672 RabbitMQ
fi
if ! port_open 15672 && command -v rabbitmq-plugins >/dev/null; then
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_for_port 15672 "RabbitMQ management"
fi
echo "ensure-services: postgres and rabbitmq are up"
