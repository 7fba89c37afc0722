"""Every statement that writes `employers`: the companies whose employees get Origin as a benefit.

Admins create them in the bff and `seed-demo` creates one; neither may import the other,
so the statement lives here. Names are unique case-insensitively.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.database import Cursor


@dataclass(frozen=True)
class Employer:
    """An employer row."""

    id: uuid.UUID
    name: str
    created_at: datetime


async def create_employer(cur: Cursor, name: str) -> Employer | None:
    """Insert an employer; None when the name is taken (compared case-insensitively)."""
    await cur.execute(
        "INSERT INTO employers (id, name) VALUES (%s, %s)"
        " ON CONFLICT ((lower(name))) DO NOTHING RETURNING id, name, created_at",
        (str(uuid.uuid4()), name),
    )
    row = await cur.fetchone()
    return (
        None if row is None else Employer(id=uuid.UUID(str(row[0])), name=row[1], created_at=row[2])
    )
