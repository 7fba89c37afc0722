"""What a deployed role talks to, made for one test run the way the run book makes it in AWS.

The first deploy creates a database owned by an application user with a password, a broker
user with its own password and vhost, and puts the providers' credentials in Secrets Manager.
Here: the same on the test Postgres and RabbitMQ (names unique to this run, removed after), and
the provider simulator configured with the same generated credentials the roles get.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import psycopg2
from cryptography.fernet import Fernet
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

from tests.support import infra
from tests.support.simulator import SimulatorProcess


def strong_secret() -> str:
    """What an operator puts for one of our own tokens (RUNBOOK.md: 64 url-safe characters)."""
    return secrets.token_urlsafe(48)


@dataclass(frozen=True)
class Backing:
    """URLs and credentials of this run's database, broker user and simulator."""

    database_url: str
    amqp_url: str
    simulator_url: str
    credentials: dict[str, str]


@contextmanager
def _database() -> Iterator[str]:
    """A database owned by a new login role with a password, as RUNBOOK.md's first deploy does."""
    name = infra.unique_name("origin_deploy")
    password = strong_secret()
    admin = psycopg2.connect(infra.ADMIN_POSTGRES_URL)
    admin.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
                [password],
            )
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(name)
                )
            )
        server = urlsplit(infra.ADMIN_POSTGRES_URL)
        netloc = f"{name}:{quote(password, safe='')}@{server.hostname}:{server.port or 5432}"
        yield urlunsplit(("postgresql", netloc, f"/{name}", "", ""))
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


def _management(method: str, path: str, body: dict[str, str] | None = None) -> None:
    response = httpx.request(
        method,
        f"{infra.RABBITMQ_MANAGEMENT_URL}/api/{path}",
        auth=(infra.RABBITMQ_USER, infra.RABBITMQ_PASSWORD),
        json=body,
        timeout=10,
    )
    if method != "DELETE":
        response.raise_for_status()


@contextmanager
def _broker() -> Iterator[str]:
    """A vhost and a user of its own (never guest: staging refuses it)."""
    name = infra.unique_name("origin_deploy")
    password = strong_secret()
    vhost = quote(name, safe="")
    _management("PUT", f"users/{quote(name)}", {"password": password, "tags": ""})
    try:
        _management("PUT", f"vhosts/{vhost}", {})
        _management(
            "PUT",
            f"permissions/{vhost}/{quote(name)}",
            {"configure": ".*", "write": ".*", "read": ".*"},
        )
        broker = urlsplit(infra.AMQP_BASE_URL)
        netloc = f"{name}:{quote(password, safe='')}@{broker.hostname}:{broker.port or 5672}"
        yield urlunsplit(("amqp", netloc, f"/{vhost}", "", ""))
    finally:
        _management("DELETE", f"vhosts/{vhost}")
        _management("DELETE", f"users/{quote(name)}")


def provider_credentials() -> dict[str, str]:
    """Secrets of the shapes the providers and our own keys have (all >= 32 characters)."""
    return {
        "INTERNAL_SERVICE_TOKEN": strong_secret(),
        "OPS_PASSWORD": strong_secret(),
        "ACCESS_TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "MFA_SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SMS_AUTH_TOKEN": secrets.token_hex(16),  # Twilio: 32 hex digits
        "AGGREGATION_SECRET": secrets.token_hex(16),  # Plaid: 30 hex digits; longer here
        "SCHEDULING_API_TOKEN": strong_secret(),
        "SCHEDULING_WEBHOOK_SIGNING_KEY": strong_secret(),
        # Sentry's DSN shape, on a port nobody listens on: events (none expected) go nowhere.
        "SENTRY_DSN": f"http://{secrets.token_hex(16)}@127.0.0.1:{infra.free_port()}/1",
        "NEW_RELIC_LICENSE_KEY": secrets.token_hex(20),  # 40 characters
    }


@contextmanager
def backing_services(
    logs: Path, *, sms_account_sid: str, aggregation_client_id: str
) -> Iterator[Backing]:
    """This run's database, broker user and simulator, torn down at the end."""
    credentials = provider_credentials()
    simulator = SimulatorProcess(
        logs / "simulator.log",
        env={
            "SIMULATOR_TWILIO_ACCOUNT_SID": sms_account_sid,
            "SIMULATOR_TWILIO_AUTH_TOKEN": credentials["SMS_AUTH_TOKEN"],
            "SIMULATOR_PLAID_CLIENT_ID": aggregation_client_id,
            "SIMULATOR_PLAID_SECRET": credentials["AGGREGATION_SECRET"],
            "SIMULATOR_CALENDLY_API_TOKEN": credentials["SCHEDULING_API_TOKEN"],
            "SIMULATOR_CALENDLY_SIGNING_KEY": credentials["SCHEDULING_WEBHOOK_SIGNING_KEY"],
        },
    )
    with _database() as database_url, _broker() as amqp_url:
        simulator.start()
        try:
            simulator.wait_healthy()
            yield Backing(database_url, amqp_url, simulator.url, credentials)
        finally:
            simulator.stop()
