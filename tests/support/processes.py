"""Start real role processes on free ports and stop them, for tests that need a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RoleProcess:
    """A role running in a child process, with its output captured to a file."""

    args: Sequence[str]
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RoleProcess:
        env = {**os.environ, **self.env, "PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.args], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        return self

    def wait_healthy(self, timeout: float = 20.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.output()
            try:
                response = httpx.get(self.url + "/", timeout=2)
                last = response.json()
                if response.status_code == 200:
                    return response.json()
            except httpx.TransportError as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(f"{self.args} not healthy: {last}\n{self.output()}")

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
