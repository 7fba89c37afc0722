"""Per-run Postgres databases and RabbitMQ vhosts, so runs never collide."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from urllib.parse import quote

import httpx
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

ADMIN_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_BASE_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
RABBITMQ_MANAGEMENT_URL = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
RABBITMQ_USER = os.environ.get("TEST_RABBITMQ_USER", "guest")
RABBITMQ_PASSWORD = os.environ.get("TEST_RABBITMQ_PASSWORD", "guest")


def unique_name(prefix: str) -> str:
    """A name no other run (or test) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _admin_connection() -> psycopg2.extensions.connection:
    conn = psycopg2.connect(ADMIN_POSTGRES_URL)
    conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
    return conn


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    base, _, _ = ADMIN_POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


def create_database(name: str) -> str:
    """Create an empty database and return its URL."""
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop a test database, disconnecting whoever is still on it."""
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        conn.close()


def _management(method: str, path: str, body: dict[str, str] | None = None) -> httpx.Response:
    return httpx.request(
        method,
        f"{RABBITMQ_MANAGEMENT_URL}/api/{path}",
        auth=(RABBITMQ_USER, RABBITMQ_PASSWORD),
        timeout=10,
        json=body,
    )


def _rabbitmqctl(*args: str) -> None:
    binary = shutil.which("rabbitmqctl")
    if binary is None:
        raise RuntimeError("neither the RabbitMQ management API nor rabbitmqctl is available")
    subprocess.run([binary, *args], check=True, capture_output=True, timeout=60)


def create_vhost(name: str) -> str:
    """Create a vhost the guest user may use, returning its AMQP URL."""
    vhost = quote(name, safe="")
    try:
        _management("PUT", f"vhosts/{vhost}", {}).raise_for_status()
        permissions = {"configure": ".*", "write": ".*", "read": ".*"}
        _management(
            "PUT", f"permissions/{vhost}/{quote(RABBITMQ_USER)}", permissions
        ).raise_for_status()
    except httpx.TransportError:
        _rabbitmqctl("add_vhost", name)
        _rabbitmqctl("set_permissions", "-p", name, RABBITMQ_USER, ".*", ".*", ".*")
    return amqp_url(name)


def amqp_url(vhost: str) -> str:
    """The AMQP URL of `vhost` on the test broker."""
    return f"{AMQP_BASE_URL}/{quote(vhost, safe='')}"


def delete_vhost(name: str) -> None:
    """Delete a test vhost and everything in it."""
    try:
        _management("DELETE", f"vhosts/{quote(name, safe='')}")
    except httpx.TransportError:
        _rabbitmqctl("delete_vhost", name)


def close_broker_connections(vhost: str) -> int:
    """Force-close every client connection to `vhost` at once, as a broker restart would.

    rabbitmqctl acts immediately; the management API only lists connections after its next
    statistics tick (5 s), so it is the fallback where rabbitmqctl is not installed.
    """
    binary = shutil.which("rabbitmqctl")
    if binary is not None:
        listed = subprocess.run(
            [binary, "list_connections", "-p", vhost, "-q", "--no-table-headers", "pid"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        count = len([line for line in listed.stdout.splitlines() if line.strip()])
        _rabbitmqctl("close_all_connections", "-p", vhost, "test: simulated broker loss")
        return count
    listed_api = _management("GET", f"vhosts/{quote(vhost, safe='')}/connections")
    listed_api.raise_for_status()
    names = [connection["name"] for connection in listed_api.json()]
    for name in names:
        _management("DELETE", f"connections/{quote(name, safe='')}")
    return len(names)


def vhost_of(amqp_url: str) -> str:
    """The vhost part of an AMQP URL."""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(amqp_url).path.lstrip("/")) or "/"
