"""Plain-SQL migrations applied in order, recorded, under an advisory lock.

Two replicas starting together cannot race: the second waits on the lock and
then finds nothing left to apply. All pending files apply in one transaction,
so a failing migration leaves the schema as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from shared.database import Pool, transaction

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x0_0819_1AD0  # any constant; unique to migrations in this database


@dataclass(frozen=True)
class Migration:
    """One SQL file; its version is the file name without `.sql`."""

    version: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every `NNNN_name.sql` file in version order."""
    return [Migration(path.stem, path) for path in sorted(directory.glob("[0-9]*.sql"))]


async def migrate(pool: Pool, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; returns the versions applied by this call."""
    applied_now: list[str] = []
    async with transaction(pool) as cur:
        await cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        await cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        await cur.execute("SELECT version FROM schema_migrations")
        done = {row[0] for row in await cur.fetchall()}
        for migration in discover(directory):
            if migration.version in done:
                continue
            await cur.execute(migration.path.read_text())
            await cur.execute(
                "INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,)
            )
            applied_now.append(migration.version)
            log.info("migration applied", extra={"version": migration.version})
    return applied_now
