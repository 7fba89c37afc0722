"""Fixtures for connectors against real servers: moto's S3 server and the provider simulator."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from mypy_boto3_s3 import S3Client
from pydantic import SecretStr

from connectors.storage import S3FileStore, StorageConfig
from tests.support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer, moto_server


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto S3 server for the run (each test uses its own bucket)."""
    log_path: Path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with moto_server(log_path) as server:
        yield server


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    """A fresh, empty bucket."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    raw_s3(moto).create_bucket(Bucket=name)
    return name


def raw_s3(moto: MotoServer) -> S3Client:
    """A plain boto3 client on moto, for arranging and asserting outside the store under test."""
    return boto3.client(
        "s3",
        endpoint_url=moto.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def storage_config(moto: MotoServer, bucket: str, **overrides: object) -> StorageConfig:
    """A store config on moto and `bucket`."""
    values: dict[str, object] = {
        "bucket": bucket,
        "endpoint_url": moto.endpoint_url,
        "access_key_id": SecretStr(ACCESS_KEY_ID),
        "secret_access_key": SecretStr(SECRET_ACCESS_KEY),
        **overrides,
    }
    return StorageConfig.model_validate(values)


@pytest.fixture
async def store(moto: MotoServer, bucket: str) -> AsyncIterator[S3FileStore]:
    """An open store on this test's bucket."""
    async with S3FileStore(storage_config(moto, bucket)) as opened:
        yield opened
