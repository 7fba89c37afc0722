import asyncio

from shared.database import create_pool
from shared.migrate import discover, migrate
from tests.support import infra


async def _pool(url: str):
    return await create_pool(url, max_size=2, statement_timeout_ms=0, application_name="tests")


async def test_two_migrators_at_once_apply_each_migration_exactly_once():
    name = infra.unique_name("origin_migrate")
    url = infra.create_database(name)
    pools = [await _pool(url), await _pool(url)]
    try:
        first, second = await asyncio.gather(*(migrate(pool) for pool in pools))

        expected = [migration.version for migration in discover()]
        assert sorted([first, second], key=len) == [[], expected]
        assert await migrate(pools[0]) == []
        async with pools[0].acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT version FROM schema_migrations ORDER BY version")
            assert [row[0] for row in await cur.fetchall()] == expected
    finally:
        for pool in pools:
            pool.close()
            await pool.wait_closed()
        infra.drop_database(name)
