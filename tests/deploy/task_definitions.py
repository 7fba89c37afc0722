"""The task definitions' variables, as terraform renders them for staging.

`modules/task_environment` is the one place that lists each container's plain environment and
secret names, and terraform/tests/ checks the ECS task definitions carry exactly its output. It
creates no resource, so rendering it needs no provider and no credentials: a throw-away root
(`main.tf.json`) calls it with staging's values and `terraform output -json` reads the result.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MODULE = TERRAFORM / "modules" / "task_environment"
ONE_SHOTS = ("migrate", "ops")


@dataclass(frozen=True)
class Container:
    """One container of a task definition: what ECS puts in its environment."""

    name: str
    command: list[str]
    port: int | None
    environment: dict[str, str]
    secrets: frozenset[str]

    @property
    def variables(self) -> frozenset[str]:
        """Every variable name ECS sets, plain and secret."""
        return frozenset(self.environment) | self.secrets


@dataclass(frozen=True)
class Rendering:
    """Every container (roles, migrate, ops) and the container health check command."""

    containers: dict[str, Container]
    liveness_command: list[str]


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of strings; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [_unquote(item) for item in value]
    if isinstance(value, dict):
        return {_unquote(key): _unquote(item) for key, item in value.items()}
    return value


def _load_hcl(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        loaded: dict[str, Any] = _unquote(hcl2.load(handle))
    return loaded


def workload_roles() -> dict[str, dict[str, Any]]:
    """terraform/workload.tf's roles: command, port, ..."""
    merged: dict[str, Any] = {}
    for block in _load_hcl(TERRAFORM / "workload.tf")["locals"]:
        merged.update(block)
    roles: dict[str, dict[str, Any]] = merged["roles"]
    return roles


def _migrate_command() -> list[str]:
    for block in _load_hcl(TERRAFORM / "workload.tf")["locals"]:
        if "migrate_command" in block:
            command: list[str] = block["migrate_command"]
            return command
    raise AssertionError("terraform/workload.tf has no migrate_command")


def _root_config(environment: str) -> dict[str, Any]:
    """A root module calling task_environment as terraform/main.tf does, with the env's tfvars."""
    tfvars = _load_hcl(TERRAFORM / "environments" / f"{environment}.tfvars")
    main = (TERRAFORM / "main.tf").read_text()
    # The values main.tf computes from other modules, spelled as they come out in AWS.
    match = re.search(r"drain_seconds\s*=\s*(\d+)", main)
    shutdown = re.search(r"shutdown_timeout_seconds\s*=\s*(\d+)", main)
    assert match and shutdown, "terraform/main.tf no longer sets the task_environment timings"
    non_relaying = re.search(r"non_relaying_roles\s*=\s*(\[[^\]]*\])", main)
    assert non_relaying, "terraform/main.tf no longer says which roles do not relay"
    roles = workload_roles()
    domain = tfvars["domain_name"]
    name = f"origin-{environment}"
    arn = f"arn:aws:secretsmanager:{tfvars['region']}:123456789012:secret:{name}"
    inputs = {
        "source": str(MODULE),
        "environment": tfvars["environment"],
        "region": tfvars["region"],
        "roles": {role: spec["port"] for role, spec in roles.items()},
        "files_bucket": f"{name}-files",
        "gateway_internal_url": f"http://gateway-web:{roles['gateway-web']['port']}",
        "public_webhook_base_url": f"https://{roles['gateway-web']['host']}.{domain}",
        "webapp_base_url": f"https://app.{domain}",
        "email_from_address": tfvars["email_from_address"],
        "sms": tfvars["sms_provider"],
        "aggregation": tfvars["aggregation_provider"],
        "scheduling": tfvars["scheduling_provider"],
        "secret_arns": {
            "app": f"{arn}/app-AbCdEf",
            "sms": f"{arn}/sms-provider-AbCdEf",
            "aggregation": f"{arn}/aggregation-provider-AbCdEf",
            "scheduling": f"{arn}/scheduling-provider-AbCdEf",
        },
        "ops_secret_arns": {
            "database_admin": f"{arn.rsplit(':', 1)[0]}:rds!db-0000-AbCdEf",
            "broker_admin": f"{arn}/amazon-mq-admin-AbCdEf",
            "ops_input": f"{arn}/ops-input-AbCdEf",
        },
        "broker_management_url": f"https://b-0000.mq.{tfvars['region']}.amazonaws.com",
        "sentry_enabled": tfvars.get("sentry_enabled", True),
        "new_relic_enabled": tfvars.get("new_relic_enabled", True),
        "shutdown_timeout_seconds": int(shutdown.group(1)),
        "drain_seconds": int(match.group(1)),
        "non_relaying_roles": json.loads(non_relaying.group(1)),
    }
    return {
        "module": {"task_environment": inputs},
        "output": {
            "containers": {"value": "${module.task_environment.containers}"},
            "liveness_command": {"value": "${module.task_environment.liveness_command}"},
        },
    }


def terraform_binary() -> str | None:
    """The terraform on PATH (>= 1.7, what scripts/check-infra.sh runs), if any."""
    return shutil.which("terraform")


def render(environment: str = "staging") -> Rendering:
    """Apply a root that only calls task_environment and read its outputs (no provider at all)."""
    binary = terraform_binary()
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="origin-task-env-") as work:
        (Path(work) / "main.tf.json").write_text(json.dumps(_root_config(environment), indent=2))
        env = {
            **os.environ,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_CLI_CONFIG_FILE": os.devnull,
            "TF_DATA_DIR": str(Path(work) / ".terraform"),
        }
        for command in (["init", "-backend=false"], ["apply", "-auto-approve"]):
            done = subprocess.run(
                [binary, *command, "-no-color"],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, f"terraform {command[0]}:\n{done.stdout}\n{done.stderr}"
        output = subprocess.run(
            [binary, "output", "-json"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    outputs = json.loads(output.stdout)
    roles = workload_roles()
    containers = {}
    for name, container in outputs["containers"]["value"].items():
        if name in roles:
            command, port = roles[name]["command"], int(roles[name]["port"])
        elif name == "migrate":
            command, port = _migrate_command(), None
        else:
            command, port = ["python", "-m", "shared.ops", "--help"], None
        containers[name] = Container(
            name=name,
            command=list(command),
            port=port,
            environment={item["name"]: item["value"] for item in container["environment"]},
            secrets=frozenset(item["name"] for item in container["secrets"]),
        )
    return Rendering(containers=containers, liveness_command=outputs["liveness_command"]["value"])
