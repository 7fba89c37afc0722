#!/usr/bin/env bash
# The local S3 and SES stand-in for `make run`: moto's server on :5000 with the files bucket
# created and the email sender registered (moto records every email the worker sends).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/moto_server -H 127.0.0.1 -p 5000 &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break
  sleep 0.1
done
.venv/bin/python -m shared.ops ensure-bucket
.venv/bin/python -m shared.ops ensure-email-sender
wait $server
