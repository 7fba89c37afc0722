"""S3 through boto3, every blocking call run on the store's own small thread pool.

boto3 is synchronous; calling it on the event loop would stall every other
request, so each call (including the reads of a streamed body) goes through
`run_in_executor` on a bounded `ThreadPoolExecutor` sized like boto3's
connection pool. botocore's own retries are switched off: the provider policy
(`connectors.policy`) is the one place retries, the breaker and the budget live.

A create-only upload uses `IfNoneMatch="*"` on `PutObject` (S3 conditional
writes, honoured by moto's server too), so two writers cannot both create the
same report and nothing is ever overwritten.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from connectors.policy import ProviderPolicy
from connectors.storage.config import StorageConfig
from connectors.storage.errors import (
    PROVIDER,
    LineTooLong,
    map_botocore_error,
    map_client_error,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

T = TypeVar("T")


class S3FileStore:
    """A `FileStore` on one S3 bucket."""

    def __init__(self, config: StorageConfig, *, policy: ProviderPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._executor: ThreadPoolExecutor | None = None
        self._client: S3Client | None = None

    async def open(self) -> S3FileStore:
        """Start the thread pool and build the boto3 client (which reads files) off the loop."""
        self._executor = ThreadPoolExecutor(
            max_workers=self.config.max_workers, thread_name_prefix="s3"
        )
        self._client = await self._in_thread(self._build_client)
        return self

    async def close(self) -> None:
        """Close boto3's connections and stop the threads."""
        if self._client is not None:
            await self._in_thread(self._client.close)
            self._client = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> S3FileStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _build_client(self) -> S3Client:
        config = self.config
        key_id, secret = config.access_key_id, config.secret_access_key
        session = boto3.session.Session(
            region_name=config.region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
        )
        return session.client(
            "s3",
            endpoint_url=config.endpoint_url,
            config=Config(
                connect_timeout=config.connect_timeout_seconds,
                read_timeout=config.read_timeout_seconds,
                max_pool_connections=config.max_workers,
                retries={"mode": "standard", "total_max_attempts": 1},
                # Path-style works against moto on 127.0.0.1 and against AWS alike.
                s3={"addressing_style": "path"},
                signature_version="s3v4",
            ),
        )

    @property
    def _s3(self) -> S3Client:
        if self._client is None:
            raise RuntimeError("S3FileStore used before open()")
        return self._client

    async def _in_thread(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._executor is None:
            raise RuntimeError("S3FileStore used before open()")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    async def _call(self, operation: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One boto3 call in a thread, its errors mapped onto `connectors.errors`."""
        try:
            return await self._in_thread(func, *args, **kwargs)
        except ClientError as exc:
            raise map_client_error(exc, operation) from None
        except BotoCoreError as exc:
            raise map_botocore_error(exc, operation) from None

    async def iter_lines(self, key: str) -> AsyncIterator[str]:
        """Yield the object's UTF-8 lines, holding at most one chunk plus one line in memory.

        Bytes that are not UTF-8 become U+FFFD in their line only, so a caller can
        reject that one line instead of losing the whole object.

        Opening the object goes through the retry policy; a failure halfway
        through the stream surfaces as `TransientError` (the caller re-queues).
        """
        operation = "get_object"
        response = await self.policy.run(
            operation,
            lambda: self._call(operation, self._s3.get_object, Bucket=self.config.bucket, Key=key),
        )
        body = response["Body"]
        pending = b""
        try:
            while True:
                chunk = await self._call("read_object", body.read, self.config.chunk_bytes)
                if not chunk:
                    break
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                if len(pending) > self.config.max_line_bytes:
                    raise LineTooLong(
                        PROVIDER, "read_object", f"over {self.config.max_line_bytes} bytes"
                    )
                for line in lines:
                    # Splitting on b"\n" first is safe: it never occurs inside a UTF-8 sequence.
                    yield line.removesuffix(b"\r").decode("utf-8", errors="replace")
            if pending:
                yield pending.removesuffix(b"\r").decode("utf-8", errors="replace")
        finally:
            # Closing early (the consumer stopped) releases the connection to the pool.
            await self._in_thread(body.close)

    async def put_new(
        self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> None:
        """Create the object, or raise `ObjectAlreadyExists` without touching the existing one."""
        operation = "put_object"

        async def attempt() -> None:
            if not isinstance(data, bytes):
                data.seek(0)  # a retried attempt sends the whole file again
            await self._call(
                operation,
                self._s3.put_object,
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
        return await self._call(
            f"presign_{method}",
            self._s3.generate_presigned_url,
            ClientMethod=method,
            Params=params,
            ExpiresIn=expiry,
        )
