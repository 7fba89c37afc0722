"""The S3 client is built from botocore data listing S3's endpoints only, and resolves as stock."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from pydantic import SecretStr

from connectors.storage import S3FileStore, StorageConfig


def store_client(region: str) -> object:
    config = StorageConfig(
        bucket="reports-bucket",
        region=region,
        access_key_id=SecretStr("AKIDEXAMPLE"),
        secret_access_key=SecretStr("secret"),
    )
    return S3FileStore(config)._build_client()


def stock_client(region: str) -> object:
    return boto3.session.Session(
        region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
    ).client("s3", config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))


def test_the_client_keeps_only_s3s_endpoints_not_every_services() -> None:
    client = store_client("us-east-1")
    loader = client._loader  # type: ignore[attr-defined]
    listed = {name for p in loader.load_data("endpoints")["partitions"] for name in p["services"]}
    assert listed == {"s3", "sts"}


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "sa-east-1", "cn-north-1"])
def test_endpoints_and_presigned_urls_are_botocores_own(region: str) -> None:
    ours, stock = store_client(region), stock_client(region)
    assert ours.meta.endpoint_url == stock.meta.endpoint_url  # type: ignore[attr-defined]
    assert ours.meta.region_name == stock.meta.region_name  # type: ignore[attr-defined]
    params = {"Bucket": "reports-bucket", "Key": "rosters/a.csv"}
    url = ours.generate_presigned_url("get_object", Params=params)  # type: ignore[attr-defined]
    expected = stock.generate_presigned_url("get_object", Params=params)  # type: ignore[attr-defined]
    # Same host, path and signed headers; the signature differs only by the time it was made.
    assert url.split("X-Amz-Date")[0] == expected.split("X-Amz-Date")[0]
