"""The first deploy, rehearsed: every role and the migrate task start with APP_ENV=staging and
exactly the variables their ECS task definitions give them (rendered by terraform from
modules/task_environment), against this machine's Postgres, RabbitMQ and the provider simulator.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest

from shared.messaging import outbox
from tests.deploy.backing import Backing
from tests.deploy.environment import local_environment
from tests.deploy.launch import Launched, image_environment, launch
from tests.deploy.task_definitions import Container, Rendering, workload_roles
from tests.support.infra import free_port

ROLES = sorted(workload_roles())


def test_every_role_migrate_and_ops_get_app_env_staging(staging: Rendering) -> None:
    assert sorted(staging.containers) == sorted([*ROLES, "migrate", "ops"])
    for name, container in staging.containers.items():
        assert container.environment["APP_ENV"] == "staging", name


def test_the_ops_task_gets_what_every_role_gets_and_the_admin_credentials(
    staging: Rendering,
) -> None:
    ops = staging.containers["ops"]
    per_role = {"PORT", "NEW_RELIC_APP_NAME", "OUTBOX_RELAY_ENABLED"}  # a one-off task serves none
    for role in ROLES:
        assert staging.containers[role].variables - per_role <= ops.variables
        assert not {name for name in staging.containers[role].secrets if "_ADMIN_" in name}, role
    assert {"DATABASE_ADMIN_PASSWORD", "BROKER_ADMIN_PASSWORD", "OPS_STDIN"} <= ops.secrets


@pytest.fixture(scope="module")
def migrated(staging: Rendering, backing: Backing, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the migrate task's command once; its output (it must exit 0)."""
    migrate = staging.containers["migrate"]
    environment = local_environment(migrate, backing, port=None, gateway_url="http://127.0.0.1:9")
    log = tmp_path_factory.mktemp("migrate") / "migrate.log"
    launched = launch(migrate, environment, log)
    try:
        code = launched.process.wait(timeout=60)
    finally:
        launched.stop()
    assert code == 0, (
        f"migrate exited {code} with its task definition's environment:\n{launched.output()}"
    )
    return launched.output()


def test_migrate_exits_0_with_exactly_its_task_definition_environment(migrated: str) -> None:
    assert '"applied"' in migrated


@pytest.fixture(scope="module")
def running_roles(
    staging: Rendering, backing: Backing, migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Launched]]:
    """Every role started at once with its task definition's variables, until the module ends."""
    logs = tmp_path_factory.mktemp("roles")
    ports = {role: free_port() for role in ROLES}
    gateway_url = f"http://127.0.0.1:{ports['gateway-web']}"
    launched: dict[str, Launched] = {}
    try:
        for role in ROLES:
            container = staging.containers[role]
            environment = local_environment(
                container, backing, port=ports[role], gateway_url=gateway_url
            )
            assert set(environment) == container.variables
            launched[role] = launch(container, environment, logs / f"{role}.log")
        yield launched
    finally:
        for process in launched.values():  # all at once: each drains DRAIN_SECONDS
            process.terminate()
        for process in launched.values():
            process.stop()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_becomes_ready_with_exactly_its_task_definition_environment(
    role: str, running_roles: dict[str, Launched]
) -> None:
    running_roles[role].wait_ready(timeout=45)

    body = httpx.get(running_roles[role].url + "/", timeout=5).json()
    assert body["status"] == "ok", body


@pytest.mark.parametrize("role", ROLES)
def test_the_container_health_check_of_every_role_passes_on_liveness(
    role: str, staging: Rendering, running_roles: dict[str, Launched]
) -> None:
    running = running_roles[role]
    running.wait_ready(timeout=45)
    if httpx.get(running.url + "/livez", timeout=5).status_code == 404:
        pytest.skip("this build has no /livez yet (the liveness endpoint is health's part of #14)")
    command = staging.liveness_command
    assert command[:2] == ["CMD", "python"]

    probe = subprocess.run(
        [sys.executable, *command[2:]],
        env={**image_environment(), "PORT": str(running.port)},
        capture_output=True,
        timeout=10,
        check=False,
    )

    assert probe.returncode == 0, probe.stderr.decode(errors="replace")


def test_gateway_web_does_not_relay_and_the_other_roles_publish_its_outbox_rows(
    staging: Rendering, backing: Backing, running_roles: dict[str, Launched]
) -> None:
    relaying = {
        role: staging.containers[role].environment["OUTBOX_RELAY_ENABLED"] for role in ROLES
    }
    assert relaying.pop("gateway-web") == "false"
    assert set(relaying.values()) == {"true"}, relaying
    for running in running_roles.values():
        running.wait_ready(timeout=45)
    message_id = uuid.uuid4()

    with psycopg2.connect(backing.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            outbox.INSERT_INTO + " VALUES (%s, 'deploy.rehearsal', 'deploy-test', '{}')",
            (str(message_id),),
        )
    deadline = time.monotonic() + 20
    published = None
    while published is None and time.monotonic() < deadline:
        time.sleep(0.2)
        with psycopg2.connect(backing.database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT published_at FROM outbox WHERE message_id = %s", (str(message_id),))
            published = cur.fetchone()[0]

    assert published is not None, "no role published the outbox row within 20 s"


# One required variable taken away at a time: the role must refuse to start, naming it.
REMOVALS = [
    ("bff", "INTERNAL_SERVICE_TOKEN"),
    ("bff", "GATEWAY_INTERNAL_URL"),
    ("bff", "MFA_SECRET_ENCRYPTION_KEYS"),
    ("gateway-web", "PUBLIC_WEBHOOK_BASE_URL"),
    ("gateway-worker", "SMS_AUTH_TOKEN"),
    ("gateway-worker", "SMS_BASE_URL"),
    ("gateway-scheduler", "SCHEDULING_ORGANIZATION_URI"),
    ("migrate", "DATABASE_URL"),
]


@pytest.mark.parametrize(("name", "variable"), REMOVALS, ids=lambda value: value)
def test_a_role_without_one_required_variable_exits_2_naming_it(
    name: str,
    variable: str,
    staging: Rendering,
    backing: Backing,
    migrated: str,
    tmp_path: Path,
) -> None:
    container: Container = staging.containers[name]
    port = free_port() if container.port is not None else None
    environment = local_environment(
        container, backing, port=port, gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    assert variable in environment, f"{name}'s task definition does not set {variable}"
    del environment[variable]

    launched = launch(container, environment, tmp_path / f"{name}.log")
    try:
        code = _exit_or_ready(launched, timeout=30)
    finally:
        launched.kill()  # nothing to drain: it either refused to start or is not under test

    if code is None:
        pytest.skip(
            f"{name} still starts without {variable} in staging: shared/settings.py has a local"
            " default for it in this build (#14 and #15.4 make it required)"
        )
    assert code == 2, f"{name} without {variable} exited {code}:\n{launched.output()}"
    lines = launched.output().strip().splitlines()
    assert lines and lines[-1].startswith("configuration error:"), launched.output()
    assert variable in lines[-1], f"{name}: the error does not name {variable}: {lines[-1]}"


def _exit_or_ready(launched: Launched, *, timeout: float) -> int | None:
    """The exit code, or None when the role served (or, for a one-shot, finished) instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = launched.process.poll()
        if code is not None:
            return None if (launched.port is None and code == 0) else code
        if launched.port is not None:
            try:
                if httpx.get(launched.url + "/", timeout=1).status_code == 200:
                    return None
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"{launched.container.name} neither exited nor became ready in {timeout}s")
