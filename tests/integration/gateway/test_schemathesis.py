"""schemathesis against the running gateway web role and its OpenAPI document, every check.

Each provider webhook is signed per request, and the internal API carries the service
token, through schemathesis' auth in `schemathesis_auth` (a hooks module), so the auth
checks (`ignored_auth`) send them really unsigned and with wrong credentials, and the
gateway must refuse those. Generated requests, valid and invalid, must never get a 5xx;
valid ones must be accepted; every response must match the document.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from contracts.openapi_gateway import PATH
from tests.support.infra import free_port
from tests.support.processes import ROOT, RoleProcess
from tests.support.simulator import SimulatorProcess

TOKEN = "schemathesis-service-token"
HOOKS = Path(__file__).with_name("schemathesis_auth.py")
# Every check, from the config file (a check named on the command line would override
# per-operation settings).
CONFIG = """
[checks]
enabled = true
"""


@pytest.fixture
def running_gateway(run_database_url, run_amqp_url, tmp_path):
    simulator = SimulatorProcess(tmp_path / "simulator.log").start()
    port = free_port()
    gateway = RoleProcess(
        ["-m", "gateway", "web"],
        port,
        {
            "APP_ENV": "test",
            "DATABASE_URL": run_database_url,
            "AMQP_URL": run_amqp_url,
            "INTERNAL_SERVICE_TOKEN": TOKEN,
            "PUBLIC_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
            "SMS_BASE_URL": simulator.url,
            "AGGREGATION_BASE_URL": simulator.url,
            "SCHEDULING_BASE_URL": simulator.url,
            "LOG_LEVEL": "WARNING",
        },
        tmp_path / "gateway.log",
    ).start()
    try:
        simulator.wait_healthy()
        gateway.wait_healthy()
        yield gateway
    finally:
        gateway.stop()
        simulator.stop()


def test_schemathesis_finds_no_failure_of_any_check(running_gateway, run_database_url, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "PYTHONPATH": str(ROOT),
        "GATEWAY_PUBLIC_WEBHOOK_BASE_URL": running_gateway.url,
        "GATEWAY_INTERNAL_SERVICE_TOKEN": TOKEN,
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            str(PATH),
            "--url",
            running_gateway.url,
            "--max-examples",
            "30",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "1",
            "--generation-deterministic",
            "--workers",
            "2",
            "--no-color",
        ],
        cwd=tmp_path,  # the config file, and schemathesis' example database
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:] + "\n" + running_gateway.output()[-3000:]
    assert " passed" in output, output[-3000:]
    # The signatures were good: every provider's generated webhooks got through to storage.
    conn = psycopg2.connect(run_database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT DISTINCT provider FROM webhook_events")
            stored = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    assert stored >= {"twilio", "plaid", "calendly"}, output[-3000:]
