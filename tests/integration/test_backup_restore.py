"""The run book's local backup and restore steps (pg_dump / pg_restore) really work."""

import asyncio
import subprocess
import uuid

from shared.database import create_pool, transaction
from shared.migrate import migrate
from tests.support import infra


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=120)


async def test_a_dump_restores_into_a_fresh_database_with_its_rows(tmp_path):
    source, target = infra.unique_name("origin_backup"), infra.unique_name("origin_restore")
    source_url = infra.create_database(source)
    dump = tmp_path / "origin.dump"
    employer = str(uuid.uuid4())
    try:
        pool = await create_pool(
            source_url, max_size=1, statement_timeout_ms=0, application_name="t"
        )
        await migrate(pool)
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO employers (id, name) VALUES (%s, 'Backup Test Co')", (employer,)
            )
        pool.close()
        await pool.wait_closed()

        # The run book's commands, verbatim apart from the URLs.
        await asyncio.to_thread(_run, "pg_dump", "--format=custom", f"--file={dump}", source_url)
        target_url = infra.create_database(target)
        await asyncio.to_thread(
            _run, "pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target_url}", str(dump)
        )

        restored = await create_pool(
            target_url, max_size=1, statement_timeout_ms=0, application_name="t"
        )
        async with restored.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT name FROM employers WHERE id = %s", (employer,))
            assert await cur.fetchone() == ("Backup Test Co",)
            await cur.execute("SELECT count(*) FROM schema_migrations")
            assert (await cur.fetchone())[0] >= 6
        restored.close()
        await restored.wait_closed()
    finally:
        infra.drop_database(source)
        infra.drop_database(target)
