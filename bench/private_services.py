"""A RabbitMQ node and a Postgres cluster of the benchmark's own, to restart for real.

The machine's shared broker and database serve other people's tests and are
never restarted: `PrivateRabbit` runs `rabbitmq-server` under its own node
name, ports and directories (restarted with `rabbitmqctl stop_app` /
`start_app`), `PrivatePostgres` an `initdb` cluster in a temporary directory
(as the `postgres` user, restarted with `pg_ctl restart -m fast`). Both are
removed on `close()`. `SharedServices` uses the machine's services in a fresh
database and vhost instead, and stands a fault in by dropping every client
connection of that database or vhost (what clients see of a restart).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Protocol

import psycopg2

from tests.support import infra

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class Services(Protocol):
    """Where the system under test finds its broker and database, and how to fault them."""

    database_url: str
    amqp_url: str
    kind: str
    broker_fault: str  # what restart_broker does, for the report
    database_fault: str

    def restart_broker(self, down_seconds: float) -> None: ...

    def restart_database(self, down_seconds: float) -> None: ...

    def close(self) -> None: ...


def _wait(check: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if callable(check) and check():
                return
        except Exception as exc:  # anything means "not up yet"
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up: {last}")


class PrivateRabbit:
    """A RabbitMQ node in a temporary directory, on free ports, no plugins."""

    def __init__(self) -> None:
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise RuntimeError("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-rabbit-"))
        self.port = infra.free_port()
        self.node = f"chaos{self.port}@localhost"
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n"
            "log.console = false\n"
        )
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "env.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(self.dir),  # its Erlang cookie lives here, shared with rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(infra.free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "env.conf"),
            "RABBITMQ_PID_FILE": str(self.dir / "pid"),
        }
        log = (self.dir / "server.log").open("wb")
        self.process = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")], env=self.env, stdout=log, stderr=log
        )
        _wait(lambda: self._ctl("await_startup", timeout=60), "private RabbitMQ", timeout=90)
        self._ctl("add_vhost", "chaos")
        self._ctl("set_permissions", "-p", "chaos", "guest", ".*", ".*", ".*")
        self.amqp_url = f"amqp://guest:guest@127.0.0.1:{self.port}/chaos"

    def _ctl(self, *args: str, timeout: float = 60) -> bool:
        subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return True

    def restart(self, down_seconds: float) -> None:
        """`stop_app`, stay down, `start_app` (retried while the old listener lets go)."""
        self._ctl("stop_app")
        time.sleep(down_seconds)
        _wait(lambda: self._ctl("start_app"), "RabbitMQ start_app", timeout=60)

    def close(self) -> None:
        try:
            self._ctl("stop", timeout=60)
        except (subprocess.SubprocessError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A Postgres cluster in a temporary directory, owned by `postgres`, trust auth, a free port."""

    def __init__(self) -> None:
        if not PG_BIN_CANDIDATES:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin = PG_BIN_CANDIDATES[0]
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.data = self.dir / "data"
        self.port = infra.free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"
        )
        (self.data / "postgresql.auto.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.dir}'\nmax_connections = 300\n"
            "fsync = off\nsynchronous_commit = off\nshared_buffers = '128MB'\n"
        )
        self._pg_ctl("start")
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        conn = psycopg2.connect(admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE chaos")
        conn.close()
        self.database_url = f"postgresql://postgres@127.0.0.1:{self.port}/chaos"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.dir,
        )

    def _pg_ctl(self, action: str, *extra: str) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-w",
            action,
            *extra,
        )

    def restart(self, down_seconds: float) -> None:
        """Stop (fast: clients are disconnected), stay down, start."""
        self._pg_ctl("stop", "-m", "fast")
        time.sleep(down_seconds)
        self._pg_ctl("start")

    def close(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateServices:
    """Both private servers."""

    def __init__(self) -> None:
        self.postgres = PrivatePostgres()
        try:
            self.rabbit = PrivateRabbit()
        except Exception:
            self.postgres.close()
            raise
        self.database_url = self.postgres.database_url
        self.amqp_url = self.rabbit.amqp_url
        self.broker_fault = "RabbitMQ restarted (stop_app, down 2 s, start_app)"
        self.database_fault = "Postgres restarted (pg_ctl stop -m fast, down 3 s, start)"
        self.kind = (
            f"private RabbitMQ node {self.rabbit.node} (:{self.rabbit.port}) and"
            f" Postgres cluster (:{self.postgres.port})"
        )

    def restart_broker(self, down_seconds: float) -> None:
        self.rabbit.restart(down_seconds)

    def restart_database(self, down_seconds: float) -> None:
        self.postgres.restart(down_seconds)

    def close(self) -> None:
        self.rabbit.close()
        self.postgres.close()


class SharedServices:
    """The machine's Postgres and RabbitMQ in a fresh database and vhost; faults drop clients."""

    def __init__(self) -> None:
        self._db = infra.unique_name("chaos")
        self._vhost = infra.unique_name("chaos")
        self.database_url = infra.create_database(self._db)
        self.amqp_url = infra.create_vhost(self._vhost)
        self.kind = "the machine's services (faults: every client connection dropped)"
        self.broker_fault = "every RabbitMQ connection of the vhost closed"
        self.database_fault = "every Postgres backend of the database terminated"

    def restart_broker(self, down_seconds: float) -> None:
        infra.close_broker_connections(self._vhost)

    def restart_database(self, down_seconds: float) -> None:
        conn = psycopg2.connect(infra.ADMIN_POSTGRES_URL)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (self._db,),
            )
        conn.close()

    def close(self) -> None:
        infra.drop_database(self._db)
        infra.delete_vhost(self._vhost)
