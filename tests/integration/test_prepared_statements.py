"""Array literals and pre-quoted constants of prepared statements reach Postgres unchanged."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.database import Pool, connection_cursor
from shared.prepared_statements import PreparedStatement, bytea_array, constant, text_array

_ECHO = PreparedStatement(
    "test_echo_arrays",
    "SELECT %(texts)s, %(hashes)s, %(idle)s, %(flag)s, %(limit)s",
    {"texts": "text[]", "hashes": "bytea[]", "idle": "interval", "flag": "boolean", "limit": "int"},
)

AWKWARD = [
    "",
    "NULL",
    "a,b",
    "{x}",
    ' "quoted" ',
    "back\\slash",
    "\\",
    '"',
    "'",
    "é ∑ 🙂",
    "x" * 128,
]


async def _echo(pool: Pool, texts: list[str], hashes: list[bytes]) -> tuple[Any, ...]:
    async with connection_cursor(pool) as cur:
        await _ECHO.execute(
            cur,
            {
                "texts": text_array(texts),
                "hashes": bytea_array(hashes),
                "idle": constant(timedelta(minutes=30)),
                "flag": constant(False),
                "limit": constant(20),
            },
        )
        row = await cur.fetchone()
        return tuple(row)


async def test_awkward_texts_and_bytes_arrive_as_sent(pool):
    hashes = [os.urandom(32), b"", b"\x00\\'\""]

    texts, got_hashes, idle, flag, limit = await _echo(pool, AWKWARD, hashes)

    assert texts == AWKWARD
    assert [bytes(value) for value in got_hashes] == hashes
    assert (idle, flag, limit) == (timedelta(minutes=30), False, 20)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))))
async def test_any_texts_arrive_as_sent(pool, texts):
    assert (await _echo(pool, texts, []))[0] == texts
