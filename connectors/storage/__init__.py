"""Files in S3 (moto's server locally and in tests), with boto3 kept off the event loop.

Public API:

- `StorageConfig(bucket, region="us-east-1", endpoint_url=None, ...)`
- `S3FileStore(config)`: `await open()` / `await close()` (or `async with`), then
  `iter_lines(key)` (an async iterator over text lines, read in bounded chunks),
  `put_new(key, data, content_type=...)` (create-only: `ObjectAlreadyExists`
  when the key is taken), `presigned_get_url(key)`, `presigned_put_url(key)`.
- `FileStore`: the Protocol the gateway depends on (fakes implement it).
- Errors: `ObjectNotFound`, `ObjectAlreadyExists`, `LineTooLong` (permanent), on
  top of `connectors.errors` (throttling and 5xx are transient).
"""

from connectors.storage.config import StorageConfig
from connectors.storage.errors import PROVIDER, LineTooLong, ObjectAlreadyExists, ObjectNotFound
from connectors.storage.protocol import FileStore
from connectors.storage.s3 import S3FileStore

__all__ = [
    "PROVIDER",
    "FileStore",
    "LineTooLong",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "S3FileStore",
    "StorageConfig",
]
