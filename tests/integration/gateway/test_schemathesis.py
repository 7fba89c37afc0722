"""schemathesis against the running gateway web role and its OpenAPI document.

Generated requests (valid and invalid, with and without the service token)
must never get a 5xx, and every response must match the document: its status
codes, content types and schemas.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.openapi_gateway import PATH
from tests.support.infra import free_port
from tests.support.processes import RoleProcess
from tests.support.simulator import SimulatorProcess

TOKEN = "schemathesis-service-token"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


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


def test_schemathesis_finds_no_server_error_and_no_schema_violation(running_gateway, tmp_path):
    st = Path(sys.executable).parent / "st"
    result = subprocess.run(
        [
            str(st),
            "run",
            str(PATH),
            "--url",
            running_gateway.url,
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            CHECKS,
            "--max-examples",
            "30",
            "--phases",
            # The coverage phase trips a SystemError inside schemathesis on Python 3.11.7
            # (AST recursion depth mismatch while building header mutations).
            "examples,fuzzing",
            "--seed",
            "1",
            "--workers",
            "2",
            "--no-color",
        ],
        cwd=tmp_path,  # schemathesis keeps its example database in the working directory
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + "\n" + running_gateway.output()[-3000:]
    assert " passed" in output, output[-3000:]
    assert "Runtime Error" not in output, output[-3000:]
