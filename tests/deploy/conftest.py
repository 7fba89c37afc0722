"""Fixtures of the deployment rehearsal: staging's rendered task definitions and this run's
database, broker user and simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.backing import Backing, backing_services
from tests.deploy.task_definitions import Rendering, render, terraform_binary


@pytest.fixture(scope="session")
def staging() -> Rendering:
    """Staging's containers as terraform renders them (skipped where terraform is absent)."""
    if terraform_binary() is None:
        pytest.skip(
            "terraform is not on PATH: the task definitions cannot be rendered"
            " (install terraform >= 1.7; scripts/check-infra.sh says the same)"
        )
    return render("staging")


@pytest.fixture(scope="module")
def backing(staging: Rendering, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backing]:
    """A database owned by an application user, a broker user and vhost, the simulator."""
    plain = staging.containers["bff"].environment
    logs: Path = tmp_path_factory.mktemp("deploy-backing")
    with backing_services(
        logs,
        sms_account_sid=plain["SMS_ACCOUNT_SID"],
        aggregation_client_id=plain["AGGREGATION_CLIENT_ID"],
    ) as services:
        yield services
