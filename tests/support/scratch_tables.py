"""A throwaway table with a unique name, for tests of the database building blocks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.database import Pool, connection_cursor


@asynccontextmanager
async def scratch_table(pool: Pool, prefix: str, columns: str) -> AsyncIterator[str]:
    """Create `<prefix>_<random>` with `columns` (SQL), yield its name, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    async with connection_cursor(pool) as cur:
        await cur.execute(f"CREATE TABLE {name} ({columns})")
    try:
        yield name
    finally:
        async with connection_cursor(pool) as cur:
            await cur.execute(f"DROP TABLE {name}")
