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
import uuid
from pathlib import Path

import psycopg2
import pytest

from contracts.openapi_gateway import PATH
from tests.support.infra import free_port
from tests.support.processes import ROOT, RoleProcess
from tests.support.simulator import SimulatorProcess

TOKEN = "schemathesis-service-token"
HOOKS = Path(__file__).with_name("schemathesis_auth.py")
# A schema-valid request refused for a rule JSON Schema cannot state (server state): for
# these operations only, `positive_data_acceptance` is off; every other check still runs.
NOT_IN_SCHEMA = {
    "POST /internal/v1/members/{member_id}/linked-items": (
        "`public_token` must be one the aggregation provider issued (422 otherwise)"
    ),
}


def _config(member_id: str, linked_item_id: str) -> str:
    """Every check, from the config file (a check named on the command line would override
    the per-operation settings); path ids point at real rows so fuzzing gets past the 404."""
    lines = [
        "[parameters]",
        f'"path.member_id" = "{member_id}"',
        f'"path.linked_item_id" = "{linked_item_id}"',
        "[checks]",
        "enabled = true",
    ]
    for name, reason in NOT_IN_SCHEMA.items():
        lines += [
            f"# {reason}",
            "[[operations]]",
            f'include-name = "{name}"',
            "checks.positive_data_acceptance.enabled = false",
        ]
    return "\n".join(lines) + "\n"


def _arrange(database_url: str) -> tuple[str, str]:
    """A member with a linked login, for the internal API's path ids."""
    member_id, linked_item_id = str(uuid.uuid4()), str(uuid.uuid4())
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO members (id, email, full_name, country, sms_opt_in, access_type)"
                " VALUES (%s, %s, 'Fuzz Member', 'US', false, 'dtc')",
                (member_id, f"fuzz-{member_id[:8]}@example.com"),
            )
            cur.execute(
                "INSERT INTO linked_items (id, member_id, provider_item_id, access_token_encrypted)"
                " VALUES (%s, %s, %s, 'x')",
                (linked_item_id, member_id, f"item-{linked_item_id}"),
            )
    finally:
        conn.close()
    return member_id, linked_item_id


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
    (tmp_path / "schemathesis.toml").write_text(_config(*_arrange(run_database_url)))
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
