"""Values for the task definitions' variables on this machine: what AWS would hold, pointed at
this run's database, broker user and simulator instead of RDS, Amazon MQ and the providers."""

from __future__ import annotations

from tests.deploy.backing import Backing
from tests.deploy.task_definitions import Container


class MissingTestValue(AssertionError):
    """A task definition names a variable this rehearsal does not know how to fill."""


def local_environment(
    container: Container,
    backing: Backing,
    *,
    port: int | None,
    gateway_url: str,
) -> dict[str, str]:
    """Exactly the container's variables, each with a realistic value for this machine."""
    simulator = backing.simulator_url
    overrides = {
        "DATABASE_URL": backing.database_url,
        "AMQP_URL": backing.amqp_url,
        # Service Connect's http://gateway-web:8081 and https://hooks.<domain> become this run's
        # gateway web; the providers' URLs become the simulator.
        "GATEWAY_INTERNAL_URL": gateway_url,
        "PUBLIC_WEBHOOK_BASE_URL": gateway_url,
        "SMS_BASE_URL": simulator,
        "AGGREGATION_BASE_URL": simulator,
        "SCHEDULING_BASE_URL": simulator,
        "SCHEDULING_ORGANIZATION_URI": f"{simulator}/organizations/SIMORG0000000001",
        **backing.credentials,
    }
    if port is not None:
        overrides["PORT"] = str(port)  # free ports: other runs share this machine
    values: dict[str, str] = {}
    for name in sorted(container.variables):
        if name in overrides:
            values[name] = overrides[name]
        elif name in container.environment:
            values[name] = container.environment[name]
        else:
            raise MissingTestValue(
                f"{container.name}: the task definition injects secret {name}, which"
                " tests/deploy/backing.py has no realistic value for"
            )
    return values
