"""`create-app-users`: the database and broker users the roles connect as (first deploy, rotation).

The roles never hold admin credentials: each environment's app secret names an application
user in `DATABASE_URL` and `AMQP_URL`. This command, run in the ops task (scripts/ecs-ops.sh),
creates those users with the admin credentials only that task receives (the RDS master secret
and the Amazon MQ admin secret), or sets their passwords again when they exist, so rotating a
password is: put the new URL in the secret, run this, redeploy. Passwords are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import sys
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT, parse_dsn

from shared.ops.command import print_json
from shared.settings import Settings

ADMIN_VARIABLES = (
    "DATABASE_ADMIN_USERNAME",
    "DATABASE_ADMIN_PASSWORD",
    "BROKER_ADMIN_USERNAME",
    "BROKER_ADMIN_PASSWORD",
    "BROKER_MANAGEMENT_URL",
)


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    subparsers.add_parser(
        "create-app-users",
        help="create or re-password the DATABASE_URL and AMQP_URL users (ops task only)",
    ).set_defaults(run=create_app_users)


def scram_sha_256_verifier(password: str, *, iterations: int = 4096) -> str:
    """What PostgreSQL stores for a password (RFC 7677), as `psql \\password` sends it.

    Sending the verifier rather than the password keeps the password out of the server's
    statement log (RDS logs DDL: `log_statement = ddl`).
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def ensure_database_user(database_url: str, *, admin_user: str, admin_password: str) -> str:
    """Make DATABASE_URL's user exist with its password and own its database; returns its name."""
    params: dict[str, str] = parse_dsn(database_url)
    user, password, database = params.get("user"), params.get("password"), params.get("dbname")
    if not user or not password or not database:
        raise ValueError("DATABASE_URL must name a user, a password and a database")
    admin = {**params, "user": admin_user, "password": admin_password, "dbname": database}
    conn = psycopg2.connect(**{key: value for key, value in admin.items() if value})
    try:
        conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
        role = sql.Identifier(user)
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            cur.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(role),
                (scram_sha_256_verifier(password),),
            )
            # RDS's master is not a superuser: it must be a member to hand the database over.
            cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
            cur.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), role)
            )
            cur.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(role))
    finally:
        conn.close()
    return user


async def ensure_broker_user(
    amqp_url: str, *, management_url: str, admin_user: str, admin_password: str
) -> tuple[str, str]:
    """Make AMQP_URL's user exist with its password and full rights on its vhost."""
    parts = urlsplit(amqp_url)
    if not parts.username or not parts.password:
        raise ValueError("AMQP_URL must name a user and a password")
    user, password = unquote(parts.username), unquote(parts.password)
    vhost = unquote(parts.path.lstrip("/")) or "/"
    quoted_user, quoted_vhost = quote(user, safe=""), quote(vhost, safe="")
    async with httpx.AsyncClient(
        base_url=management_url.rstrip("/") + "/api/", auth=(admin_user, admin_password), timeout=10
    ) as client:
        for path, body in (
            (f"users/{quoted_user}", {"password": password, "tags": ""}),
            (f"vhosts/{quoted_vhost}", {}),
            (
                f"permissions/{quoted_vhost}/{quoted_user}",
                {"configure": ".*", "write": ".*", "read": ".*"},
            ),
        ):
            response = await client.put(path, json=body)
            if response.status_code not in (201, 204):
                kind = path.split("/")[0]
                raise RuntimeError(
                    f"broker management API: PUT {kind} answered {response.status_code}"
                )
    return user, vhost


async def create_app_users(settings: Settings, args: argparse.Namespace) -> int:
    """Create or re-password both application users; exit 2 when an admin variable is missing."""
    missing = [name for name in ADMIN_VARIABLES if name not in os.environ]
    if missing:
        print(
            f"configuration error: {', '.join(missing)}: only the ops task has them",
            file=sys.stderr,
        )
        return 2
    database_user = await asyncio.to_thread(
        ensure_database_user,
        settings.database_url.get_secret_value(),
        admin_user=os.environ["DATABASE_ADMIN_USERNAME"],
        admin_password=os.environ["DATABASE_ADMIN_PASSWORD"],
    )
    broker_user, vhost = await ensure_broker_user(
        settings.amqp_url.get_secret_value(),
        management_url=os.environ["BROKER_MANAGEMENT_URL"],
        admin_user=os.environ["BROKER_ADMIN_USERNAME"],
        admin_password=os.environ["BROKER_ADMIN_PASSWORD"],
    )
    print_json({"database_user": database_user, "broker_user": broker_user, "vhost": vhost})
    return 0
