"""Start moto's server (`moto_server` from the venv: S3, SES, ...) on a free port, and stop it.

Tests talk to it over real HTTP with boto3, as the app does locally
(`make run` starts the same binary); nothing is patched in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.infra import free_port

MOTO_SERVER = Path(sys.executable).parent / "moto_server"
# moto accepts any credentials; these keep boto3 from looking for real ones.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"


@dataclass(frozen=True)
class MotoServer:
    """Where the running moto server listens."""

    endpoint_url: str

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset API)."""
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def sent_emails(self, to: str | None = None) -> list[dict[str, Any]]:
        """What moto's SES recorded as sent (`subject`, `body`, `destinations`, `id`, ...)."""
        response = httpx.get(f"{self.endpoint_url}/moto-api/data.json", timeout=10)
        response.raise_for_status()
        sent: list[dict[str, Any]] = response.json().get("ses", {}).get("Message", [])
        if to is None:
            return sent
        return [m for m in sent if to in m.get("destinations", {}).get("ToAddresses", [])]


@contextmanager
def moto_server(log_path: Path, *, timeout: float = 20.0) -> Iterator[MotoServer]:
    """Run `moto_server` on a free port until the block ends."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=log,
            env=env,
        )
    server = MotoServer(endpoint_url=f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server, process, log_path, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(
    server: MotoServer, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            httpx.get(f"{server.endpoint_url}/moto-api/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server not ready after {timeout}s")
