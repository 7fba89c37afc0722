"""S3 through boto3, every blocking call run on the store's own small thread pool.

The pool, the client built off the loop and botocore's retries switched off are
`connectors.aws_client`'s (shared with SES): the provider policy
(`connectors.policy`) is the one place retries, the breaker and the budget live.

A create-only upload uses `IfNoneMatch="*"` on `PutObject` (S3 conditional
writes, honoured by moto's server too), so two writers cannot both create the
same report and nothing is ever overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING, BinaryIO

from connectors.aws_client import ThreadedAwsClient, aws_session, client_config
from connectors.policy import ProviderPolicy
from connectors.storage.config import StorageConfig
from connectors.storage.errors import PROVIDER, LineTooLong, map_client_error

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)


def _decode_lines(data: bytes) -> list[str]:
    """The lines of `data` (no trailing newline) as text, decoded in one call.

    Decoding a block then splitting is splitting then decoding each line: a newline
    byte never occurs inside a UTF-8 sequence, and a broken sequence before one
    becomes U+FFFD in its own line either way.
    """
    lines = data.decode("utf-8", errors="replace").split("\n")
    if b"\r" in data:
        lines = [line.removesuffix("\r") for line in lines]
    return lines


class S3FileStore:
    """A `FileStore` on one S3 bucket."""

    def __init__(self, config: StorageConfig, *, policy: ProviderPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._aws = ThreadedAwsClient(
            self._build_client,
            provider=PROVIDER,
            map_client_error=map_client_error,
            max_workers=config.max_workers,
            owner="S3FileStore",
        )

    async def open(self) -> S3FileStore:
        """Start the thread pool and build the boto3 client (which reads files) off the loop."""
        await self._aws.open()
        return self

    async def close(self) -> None:
        """Close boto3's connections and stop the threads."""
        await self._aws.close()

    async def __aenter__(self) -> S3FileStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _build_client(self) -> S3Client:
        return aws_session(self.config, endpoint_prefixes=frozenset({"s3"})).client(
            "s3",
            endpoint_url=self.config.endpoint_url,
            config=client_config(
                self.config,
                # Path-style works against moto on 127.0.0.1 and against AWS alike.
                s3={"addressing_style": "path"},
                signature_version="s3v4",
            ),
        )

    async def iter_lines(self, key: str) -> AsyncIterator[str]:
        """Yield the object's UTF-8 lines, holding at most one chunk plus one line in memory.

        Bytes that are not UTF-8 become U+FFFD in their line only, so a caller can
        reject that one line instead of losing the whole object.

        Opening the object goes through the retry policy; a failure halfway
        through the stream surfaces as `TransientError` (the caller re-queues).
        """
        async with aclosing(self.iter_line_batches(key)) as batches:
            async for batch in batches:
                for line in batch:
                    yield line

    async def iter_line_batches(self, key: str) -> AsyncGenerator[list[str], None]:
        """`iter_lines`, a list of lines per chunk read: per-line async steps cost more than
        checking a line does, on a file of 600,000 lines."""
        operation = "get_object"
        response = await self.policy.run(
            operation,
            lambda: self._aws.call(
                operation, self._aws.client.get_object, Bucket=self.config.bucket, Key=key
            ),
        )
        body = response["Body"]
        pending = b""
        try:
            while True:
                chunk = await self._aws.call("read_object", body.read, self.config.chunk_bytes)
                if not chunk:
                    break
                data = pending + chunk if pending else chunk
                end = data.rfind(b"\n")
                pending = data[end + 1 :]
                if len(pending) > self.config.max_line_bytes:
                    raise LineTooLong(
                        PROVIDER, "read_object", f"over {self.config.max_line_bytes} bytes"
                    )
                if end >= 0:
                    yield _decode_lines(data[:end])
            if pending:
                yield _decode_lines(pending)
        finally:
            # Closing early (the consumer stopped) releases the connection to the pool.
            await self._aws.run(body.close)

    async def put_new(
        self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> None:
        """Create the object, or raise `ObjectAlreadyExists` without touching the existing one."""
        operation = "put_object"

        async def attempt() -> None:
            if not isinstance(data, bytes):
                data.seek(0)  # a retried attempt sends the whole file again
            await self._aws.call(
                operation,
                self._aws.client.put_object,
                Bucket=self.config.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                IfNoneMatch="*",
            )

        await self.policy.run(operation, attempt)
        log.info("object created", extra={"provider": PROVIDER, "operation": operation})

    async def presigned_get_url(self, key: str, *, expires_in: int | None = None) -> str:
        """A time-limited GET URL for the object (signing resolves credentials: off the loop)."""
        params = {"Bucket": self.config.bucket, "Key": key}
        return await self._presign("get_object", params, expires_in)

    async def presigned_put_url(
        self, key: str, *, expires_in: int | None = None, content_type: str | None = None
    ) -> str:
        """A time-limited PUT URL; when `content_type` is set the uploader must send it."""
        params = {"Bucket": self.config.bucket, "Key": key}
        if content_type is not None:
            params["ContentType"] = content_type
        return await self._presign("put_object", params, expires_in)

    async def _presign(self, method: str, params: dict[str, str], expires_in: int | None) -> str:
        expiry = expires_in if expires_in is not None else self.config.presign_expiry_seconds
        return await self._aws.call(
            f"presign_{method}",
            self._aws.client.generate_presigned_url,
            ClientMethod=method,
            Params=params,
            ExpiresIn=expiry,
        )
