"""Settings of the storage connector; the lead maps environment variables onto this model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.policy import PolicySettings


class StorageConfig(BaseModel):
    """Which bucket, where S3 is (an `endpoint_url` for moto locally), and how hard to try."""

    model_config = ConfigDict(frozen=True)

    bucket: str = Field(min_length=3, max_length=63)
    region: str = "us-east-1"
    # None means AWS itself; locally and in tests, moto's server (e.g. http://127.0.0.1:5000).
    endpoint_url: str | None = None
    # None means the default credential chain (the ECS task role in AWS).
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    # Streaming reads take at most this much from the socket at a time.
    chunk_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    # A longer line is refused instead of buffered without bound.
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024)
    presign_expiry_seconds: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=30.0, gt=0)
    # Threads running boto3 calls, and HTTP connections boto3 keeps, for this store.
    max_workers: int = Field(default=8, ge=1, le=64)
    policy: PolicySettings = Field(default_factory=PolicySettings)
