import pytest

from tests.support.messaging import EffectHarness


@pytest.fixture
async def harness(pool, run_amqp_url, run_database_url):
    harness = EffectHarness(pool, run_amqp_url, run_database_url)
    await harness.setup()
    yield harness
    await harness.close()
