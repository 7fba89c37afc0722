"""Objects in S3 (`s3://bucket/key`) and presigned URLs to upload or download them.

Presigning is local computation (an HMAC over the request with the process's
credentials), not a call to S3, so the bff may hand out URLs without going
through the gateway. Building the client and resolving credentials can read
files or the ECS credentials endpoint, so both run in a thread, once.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class S3Location:
    """An object in a bucket."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """`s3://bucket/key` -> location; ValueError naming what is wrong."""
        if not url.startswith("s3://"):
            raise ValueError("must be an s3://bucket/key URL")
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if not _BUCKET.fullmatch(bucket):
            raise ValueError("the bucket name is not valid")
        if not key or key.startswith("/") or len(key.encode()) > _MAX_KEY_BYTES:
            raise ValueError("the object key is missing or not valid")
        if not key.isprintable():
            raise ValueError("the object key has control characters")
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class ObjectUrlSigner:
    """Presigns S3 GET and PUT URLs with the default credential chain."""

    def __init__(self, *, region: str, endpoint_url: str | None, expires_in: int = 900) -> None:
        self._region = region
        self._endpoint_url = endpoint_url
        self.expires_in = expires_in
        self._client: S3Client | None = None
        self._lock = asyncio.Lock()

    def _build(self) -> S3Client:
        return boto3.session.Session(region_name=self._region).client(
            "s3",
            endpoint_url=self._endpoint_url,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    async def _s3(self) -> S3Client:
        async with self._lock:
            if self._client is None:
                self._client = await asyncio.to_thread(self._build)
            return self._client

    async def get_url(self, location: S3Location) -> str:
        """A time-limited URL to download the object."""
        s3 = await self._s3()
        return await asyncio.to_thread(
            s3.generate_presigned_url,
            ClientMethod="get_object",
            Params={"Bucket": location.bucket, "Key": location.key},
            ExpiresIn=self.expires_in,
        )

    async def put_url(self, location: S3Location, *, content_type: str) -> str:
        """A time-limited URL to upload the object; the uploader must send `content_type`."""
        s3 = await self._s3()
        return await asyncio.to_thread(
            s3.generate_presigned_url,
            ClientMethod="put_object",
            Params={"Bucket": location.bucket, "Key": location.key, "ContentType": content_type},
            ExpiresIn=self.expires_in,
        )

    async def close(self) -> None:
        """Release the client's connection pool (it never opened one: signing is local)."""
        if self._client is not None:
            client, self._client = self._client, None
            await asyncio.to_thread(client.close)
