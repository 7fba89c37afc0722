"""Start a container's command the way ECS does: the image's ENV, then exactly the task
definition's variables (plain and secret), nothing inherited from the test process."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.deploy.task_definitions import ROOT, Container

_ENV_BLOCK = re.compile(r"^FROM .* AS base$.*?^ENV (.*?)(?<!\\)$", re.M | re.S)


def image_environment() -> dict[str, str]:
    """The base stage's `ENV` of the Dockerfile, with this machine's virtualenv as /opt/venv."""
    block = _ENV_BLOCK.search((ROOT / "Dockerfile").read_text())
    assert block, "the Dockerfile's base stage has no ENV"
    pairs = dict(re.findall(r"(\w+)=(\S+)", block.group(1)))
    venv_bin = str(Path(sys.executable).parent)
    pairs["PATH"] = (
        pairs["PATH"].replace("/opt/venv/bin", venv_bin).replace("$PATH", "/usr/bin:/bin")
    )
    return pairs


@dataclass
class Launched:
    """A container's command running in a child process."""

    container: Container
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float) -> None:
        """Until GET / answers 200; fails naming the role and its configuration error."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise AssertionError(
                    f"{self.container.name} exited {code} with its task definition's environment:"
                    f"\n{self.output()}"
                )
            try:
                response = httpx.get(self.url + "/", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.TransportError as exc:
                last = exc
            time.sleep(0.2)
        raise AssertionError(f"{self.container.name} never became ready: {last}\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM, as ECS stops a task; SIGKILL after its stop timeout."""
        self.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def launch(container: Container, environment: dict[str, str], log_path: Path) -> Launched:
    """Run the container's command with the image's ENV plus `environment`, and nothing else."""
    env = {**image_environment(), **environment}
    command = list(container.command)
    assert command[0] == "python", command
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *command[1:]], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    port = int(environment["PORT"]) if "PORT" in environment else None
    return Launched(container, process, log_path, port)
