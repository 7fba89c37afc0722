"""Files in S3 (moto's server locally and in tests), with boto3 kept off the event loop.

Public API:

- `StorageConfig(bucket, region="us-east-1", endpoint_url=None, ...)`
- `S3FileStore(config)`: `await open()` / `await close()` (or `async with`), then
  `iter_lines(key)` (an async iterator over text lines, read in bounded chunks),
  `put_new(key, data, content_type=...)` (create-only: `ObjectAlreadyExists`
  when the key is taken), `presigned_get_url(key)`, `presigned_put_url(key)`.
- `ObjectUrlSigner(region=, endpoint_url=, expires_in=900)`: `await get_url(location)`,
  `await put_url(location, content_type=)`, `await close()`; presigning is local (no call to
  S3), so the bff hands out upload and download URLs itself. `S3Location.parse("s3://b/k")`.
- `FileStore`: the Protocol the gateway depends on (fakes implement it).
- Errors: `ObjectNotFound`, `ObjectAlreadyExists`, `LineTooLong` (permanent), on
  top of `connectors.errors` (throttling and 5xx are transient).
"""

from connectors.storage.config import StorageConfig
from connectors.storage.errors import PROVIDER, LineTooLong, ObjectAlreadyExists, ObjectNotFound
from connectors.storage.object_urls import ObjectUrlSigner, S3Location
from connectors.storage.protocol import FileStore
from connectors.storage.s3 import S3FileStore

__all__ = [
    "PROVIDER",
    "FileStore",
    "LineTooLong",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "ObjectUrlSigner",
    "S3FileStore",
    "S3Location",
    "StorageConfig",
]
