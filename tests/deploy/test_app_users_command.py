"""`python -m shared.ops create-app-users`, the first-deploy step that makes the users in
DATABASE_URL and AMQP_URL with the ops task's admin credentials, on the real Postgres and
RabbitMQ (admins: the test server's postgres and guest)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import aiormq
import httpx
import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

from tests.deploy.backing import strong_secret
from tests.deploy.task_definitions import ROOT
from tests.support import infra


def admin_connection(dbname: str = "postgres") -> psycopg2.extensions.connection:
    server = urlsplit(infra.ADMIN_POSTGRES_URL)
    conn = psycopg2.connect(urlunsplit(server._replace(path=f"/{dbname}")))
    conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
    return conn


@pytest.fixture
def names() -> Iterator[str]:
    """A database owned by the admin (as RDS creates `origin`); the user and vhost are removed."""
    name = infra.unique_name("origin_appuser")
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    conn.close()
    auth = (infra.RABBITMQ_USER, infra.RABBITMQ_PASSWORD)
    httpx.delete(f"{infra.RABBITMQ_MANAGEMENT_URL}/api/vhosts/{quote(name)}", auth=auth, timeout=10)
    httpx.delete(f"{infra.RABBITMQ_MANAGEMENT_URL}/api/users/{quote(name)}", auth=auth, timeout=10)


def urls(name: str, password: str) -> dict[str, str]:
    server = urlsplit(infra.ADMIN_POSTGRES_URL)
    broker = urlsplit(infra.AMQP_BASE_URL)
    secret = quote(password, safe="")
    database = f"{server.hostname}:{server.port or 5432}/{name}"
    return {
        "DATABASE_URL": f"postgresql://{name}:{secret}@{database}",
        "AMQP_URL": f"amqp://{name}:{secret}@{broker.hostname}:{broker.port or 5672}/{name}",
    }


def run_command(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    admin = urlsplit(infra.ADMIN_POSTGRES_URL)
    env = {
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "test",
        "DATABASE_ADMIN_USERNAME": admin.username or "postgres",
        "DATABASE_ADMIN_PASSWORD": admin.password or "",
        "BROKER_ADMIN_USERNAME": infra.RABBITMQ_USER,
        "BROKER_ADMIN_PASSWORD": infra.RABBITMQ_PASSWORD,
        "BROKER_MANAGEMENT_URL": infra.RABBITMQ_MANAGEMENT_URL,
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.ops", "create-app-users"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stored_password_matches(name: str, password: str) -> bool:
    """Check PostgreSQL's SCRAM verifier of `name` against `password` (RFC 5802)."""
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,))
        (verifier,) = cur.fetchone()
    conn.close()
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        method == "SCRAM-SHA-256"
        and base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
    )


async def broker_accepts(amqp_url: str) -> bool:
    try:
        connection = await aiormq.connect(amqp_url)
    except aiormq.exceptions.AMQPConnectionError:
        return False
    await connection.close()
    return True


async def test_it_creates_both_users_owning_their_database_and_vhost_and_prints_no_password(
    names: str,
) -> None:
    password = strong_secret()

    done = run_command(urls(names, password))

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"database_user": names, "broker_user": names, "vhost": names}
    assert password not in done.stdout + done.stderr
    assert stored_password_matches(names, password)
    conn = admin_connection(names)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        )
        assert cur.fetchone() == (names,)
        cur.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
        assert cur.fetchone() == (names,)
    conn.close()
    assert await broker_accepts(urls(names, password)["AMQP_URL"])


async def test_running_it_again_with_a_new_password_rotates_both(names: str) -> None:
    old, new = strong_secret(), strong_secret()
    assert run_command(urls(names, old)).returncode == 0

    done = run_command(urls(names, new))

    assert done.returncode == 0, done.stderr
    assert stored_password_matches(names, new)
    assert not stored_password_matches(names, old)
    assert await broker_accepts(urls(names, new)["AMQP_URL"])
    assert not await broker_accepts(urls(names, old)["AMQP_URL"])


def test_without_the_ops_tasks_admin_credentials_it_exits_2_naming_them(names: str) -> None:
    environment = {**urls(names, strong_secret()), "BROKER_ADMIN_PASSWORD": ""}
    done = subprocess.run(
        [sys.executable, "-m", "shared.ops", "create-app-users"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "APP_ENV": "test", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "DATABASE_ADMIN_USERNAME" in done.stderr
    assert "BROKER_MANAGEMENT_URL" in done.stderr
