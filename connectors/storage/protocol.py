"""What the gateway needs from a file store, so tests can hand in a fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO, Protocol


class FileStore(Protocol):
    """Read files line by line, write reports once, and hand out short-lived URLs."""

    def iter_lines(self, key: str) -> AsyncIterator[str]:
        """The object's lines (without line endings), read without loading it whole."""
        ...

    def iter_line_batches(self, key: str) -> AsyncIterator[list[str]]:
        """`iter_lines` in lists (a read's worth each), for callers that go through many."""
        ...

    async def put_new(
        self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> None:
        """Store `data` under `key`, refusing (`ObjectAlreadyExists`) if the key is taken."""
        ...

    async def presigned_get_url(self, key: str, *, expires_in: int | None = None) -> str:
        """A URL anyone holding it can GET the object with, until it expires."""
        ...

    async def presigned_put_url(
        self, key: str, *, expires_in: int | None = None, content_type: str | None = None
    ) -> str:
        """A URL anyone holding it can PUT the object with, until it expires."""
        ...
