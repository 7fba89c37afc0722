"""scripts/ecs-ops.sh against a fake `aws` CLI (the third party faked at its wire: the calls it
is given and the answers it prints), so the audited ops path is checked without AWS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.task_definitions import ROOT

SCRIPT = ROOT / "scripts" / "ecs-ops.sh"
TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/origin-staging/0123456789abcdef"

# Answers of the fake CLI, keyed by "<service> <operation>"; every call is appended to calls.jsonl.
FAKE_AWS = r"""
import json, os, sys
calls = os.path.join(os.environ["FAKE_AWS_DIR"], "calls.jsonl")
with open(calls, "a") as handle:
    handle.write(json.dumps(sys.argv[1:]) + "\n")
answer = json.loads(os.environ["FAKE_AWS_ANSWERS"]).get(" ".join(sys.argv[1:3]))
if answer is not None:
    print(answer)
"""


def run_script(
    tmp_path: Path, *args: str, stdin: str = "", exit_code: str = "0"
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "aws"
    fake.write_text(f"#!{sys.executable}\n{FAKE_AWS}")
    fake.chmod(0o755)
    answers: dict[str, Any] = {
        "ecs describe-services": json.dumps(
            {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg"]}}
        ),
        "sts get-caller-identity": "arn:aws:sts::123456789012:assumed-role/Operator/ana",
        "ecs run-task": TASK_ARN,
        "ecs describe-tasks": exit_code,
        "logs get-log-events": json.dumps(['{"pending": 0}', "done"]),
    }
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_AWS_DIR": str(tmp_path),
        "FAKE_AWS_ANSWERS": json.dumps(answers),
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = (
        (tmp_path / "calls.jsonl").read_text().splitlines()
        if (tmp_path / "calls.jsonl").exists()
        else []
    )
    return result, [json.loads(line) for line in lines]


def option(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="scripts/ecs-ops.sh needs jq")


def test_it_runs_one_ops_command_as_a_task_prints_its_log_and_exits_with_its_code(
    tmp_path: Path,
) -> None:
    result, calls = run_script(
        tmp_path, "staging", "--", "dlq", "replay", "gateway.sms", "--all", exit_code="3"
    )

    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == ['{"pending": 0}', "done"]
    run_task = next(call for call in calls if call[:2] == ["ecs", "run-task"])
    assert option(run_task, "--cluster") == "origin-staging"
    assert option(run_task, "--task-definition") == "origin-staging-ops"
    overrides = json.loads(option(run_task, "--overrides"))
    assert overrides == {
        "containerOverrides": [
            {
                "name": "ops",
                "command": ["python", "-m", "shared.ops", "dlq", "replay", "gateway.sms", "--all"],
            }
        ]
    }
    assert option(run_task, "--started-by") == "ops-ana"
    logs = next(call for call in calls if call[:2] == ["logs", "get-log-events"])
    assert option(logs, "--log-group-name") == "/ecs/origin-staging/ops"
    assert option(logs, "--log-stream-name") == "ops/ops/0123456789abcdef"


def test_stdin_goes_through_the_ops_input_secret_never_the_command_and_is_emptied_after(
    tmp_path: Path,
) -> None:
    password = "Correct-horse-battery-staple-42!"

    result, calls = run_script(
        tmp_path,
        "production",
        "--stdin",
        "--",
        "create-user",
        "--email",
        "ana@origin.example",
        stdin=password + "\n",
    )

    assert result.returncode == 0, result.stderr
    names = [" ".join(call[:2]) for call in calls]
    puts = [call for call in calls if call[:2] == ["secretsmanager", "put-secret-value"]]
    assert [option(call, "--secret-id") for call in puts] == ["origin-production/ops-input"] * 2
    assert json.loads(option(puts[0], "--secret-string")) == {"OPS_STDIN": password}
    assert json.loads(option(puts[1], "--secret-string")) == {"OPS_STDIN": ""}
    assert names.index("secretsmanager put-secret-value") < names.index("ecs run-task")
    assert names[-1] == "secretsmanager put-secret-value"
    run_task = next(call for call in calls if call[:2] == ["ecs", "run-task"])
    assert password not in " ".join(run_task)
    command = json.loads(option(run_task, "--overrides"))["containerOverrides"][0]["command"]
    assert command[:2] == ["sh", "-c"]
    assert '"$OPS_STDIN" | exec python -m shared.ops "$@"' in command[2]
    assert command[3:] == ["shared.ops", "create-user", "--email", "ana@origin.example"]


def test_the_stdin_hand_over_feeds_the_command_its_first_line(tmp_path: Path) -> None:
    # The override's shell line, run by a local sh as the container's would run it.
    _, calls = run_script(tmp_path, "staging", "--stdin", "--", "--help", stdin="x\n")
    command = json.loads(
        option(next(c for c in calls if c[:2] == ["ecs", "run-task"]), "--overrides")
    )
    shell_line = command["containerOverrides"][0]["command"][2].replace(
        "exec python -m shared.ops",
        f"exec {sys.executable} -c 'import sys; print(repr(sys.stdin.readline()), sys.argv[1:])'",
    )

    done = subprocess.run(
        ["sh", "-c", shell_line, "shared.ops", "create-user", "--email", "a@b.example"],
        env={"OPS_STDIN": "S3cret pass phrase!", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )

    assert (
        done.stdout.strip() == "'S3cret pass phrase!\\n' ['create-user', '--email', 'a@b.example']"
    )


def test_it_refuses_an_environment_other_than_staging_or_production(tmp_path: Path) -> None:
    result, calls = run_script(tmp_path, "local", "--", "dlq", "list")

    assert result.returncode == 64
    assert calls == []
