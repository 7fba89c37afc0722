import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from tests.support.deployed import deployed_environment
from tests.support.infra import free_port
from tests.support.processes import ROOT, RoleProcess

ROLES = [
    ["-m", "bff"],
    ["-m", "gateway", "web"],
    ["-m", "gateway", "worker"],
    ["-m", "gateway", "scheduler"],
]


@pytest.fixture
def role_env(run_database_url, run_amqp_url):
    return {"APP_ENV": "test", "DATABASE_URL": run_database_url, "AMQP_URL": run_amqp_url}


@pytest.mark.parametrize("args", ROLES, ids=lambda args: " ".join(args[1:]))
def test_each_role_starts_reports_ok_and_stops_cleanly_on_sigterm(args, role_env, tmp_path):
    role = RoleProcess(args, free_port(), role_env, tmp_path / "role.log").start()
    try:
        body = role.wait_healthy()
        assert body["status"] == "ok"
        role.terminate()
        assert role.wait() == 0, role.output()
    finally:
        role.stop()
    lines = [json.loads(line) for line in role.output().splitlines() if line.startswith("{")]
    assert any(line["message"] == "request" and line.get("request_id") for line in lines)
    assert lines[-1]["message"] == "stopped"


def test_a_bad_setting_exits_2_with_one_line_naming_the_variable(role_env):
    result = subprocess.run(
        [sys.executable, "-m", "bff"],
        cwd=ROOT,
        env={**role_env, "APP_ENV": "bogus", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("configuration error: APP_ENV:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", ROLES, ids=lambda args: " ".join(args[1:]))
def test_a_deployed_role_without_a_required_setting_exits_2_naming_it(args):
    env = deployed_environment("staging")  # settings are refused before anything connects
    del env["GATEWAY_INTERNAL_URL"]
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "configuration error: GATEWAY_INTERNAL_URL: required (the local default points at"
        " this machine), refused in staging"
    ]
    for name, value in env.items():
        if name.endswith(("TOKEN", "PASSWORD", "SECRET", "KEY", "KEYS")):
            assert value not in result.stderr


async def test_sigterm_lets_a_slow_request_finish_while_health_says_draining(role_env, tmp_path):
    port = free_port()
    env = {**role_env, "DRAIN_SECONDS": "1.5"}
    role = RoleProcess(
        ["-m", "tests.integration.slow_app", str(port)], port, env, tmp_path / "slow.log"
    ).start()
    try:
        await asyncio.to_thread(role.wait_healthy)
        async with httpx.AsyncClient(base_url=role.url, timeout=10) as client:
            slow = asyncio.create_task(client.get("/slow", params={"seconds": "2.5"}))
            await asyncio.sleep(0.3)  # let the slow request reach its handler
            role.terminate()
            await asyncio.sleep(0.3)
            health = await client.get("/")
            response = await slow
        assert health.status_code == 503
        assert health.json()["status"] == "draining"
        assert response.status_code == 200
        assert response.json() == {"finished": True}
        assert await asyncio.to_thread(role.wait) == 0, role.output()
    finally:
        role.stop()
