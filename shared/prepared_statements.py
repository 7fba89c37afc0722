"""Server-side prepared statements for the hottest queries (planned once per connection).

psycopg2 sends every statement as text, so Postgres plans it each time; for the
member screen's large statement planning costs more than running it. A
`PreparedStatement` is `PREPARE`d the first time it runs on a pooled connection
(tracked weakly, so recycled connections simply prepare again) and `EXECUTE`d after.

psycopg2 adapts a list element by element (an adapter object and a quoting call each);
`text_array` and `bytea_array` write the array literal in one string instead, and
`constant` quotes a value once for every statement that sends it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from psycopg2.extensions import AsIs, adapt

from shared.database import Cursor

_NAMED = re.compile(r"%\((\w+)\)s")


class PreparedStatement:
    """One statement with `%(name)s` parameters, executed as a prepared statement."""

    def __init__(self, name: str, sql: str, types: Mapping[str, str]) -> None:
        self.name = name
        self._order: list[str] = list(types)
        position = {param: index + 1 for index, param in enumerate(self._order)}
        unknown = set(_NAMED.findall(sql)) - set(position)
        if unknown:
            raise ValueError(f"{name}: parameters without a type: {sorted(unknown)}")
        body = _NAMED.sub(lambda match: f"${position[match.group(1)]}", sql).replace("%%", "%")
        self._prepare = f"PREPARE {name} ({', '.join(types.values())}) AS {body}"
        placeholders = ", ".join(["%s"] * len(self._order))
        self._execute = f"EXECUTE {name} ({placeholders})" if self._order else f"EXECUTE {name}"
        self._prepared_on: weakref.WeakSet[Any] = weakref.WeakSet()

    async def execute(self, cur: Cursor, params: Mapping[str, Any]) -> None:
        """Run the statement on the cursor's connection, preparing it there first if needed."""
        connection = cur.raw.connection
        if connection not in self._prepared_on:
            await cur.execute(self._prepare)
            self._prepared_on.add(connection)
        values: Sequence[Any] = [params[name] for name in self._order]
        await cur.execute(self._execute, values)


def text_array(values: Iterable[str]) -> str:
    """The array literal of `values`, for a `text[]` (or `uuid[]`) parameter.

    Every element is double-quoted with its backslashes and quotes escaped, so commas,
    braces, spaces or the word NULL in a value stay part of it.
    """
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


def bytea_array(values: Iterable[bytes]) -> str:
    """The array literal of `values`, for a `bytea[]` parameter (hex format elements)."""
    return "{" + ",".join(f'"\\\\x{value.hex()}"' for value in values) + "}"


def constant(value: object) -> AsIs:
    """`value` quoted once, for a parameter that every execution sends alike.

    Only for values whose quoting does not depend on the connection (numbers, booleans,
    intervals): a string's does (its encoding).
    """
    if isinstance(value, str | bytes):
        raise TypeError("strings are quoted per connection")
    return AsIs(adapt(value).getquoted().decode())
