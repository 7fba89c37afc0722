"""`ensure-bucket`: create the files bucket on a local S3 stand-in (Terraform owns real ones)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3

from shared.ops.command import print_json
from shared.settings import Settings


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    subparsers.add_parser(
        "ensure-bucket", help="create FILES_BUCKET on the local S3 stand-in if missing"
    ).set_defaults(run=ensure_bucket)


async def ensure_bucket(settings: Settings, args: argparse.Namespace) -> int:
    """Create the bucket where AWS_ENDPOINT_URL points at a stand-in; refuse when deployed."""
    if settings.app_env.is_deployed or not settings.aws_endpoint_url:
        print(
            "ensure-bucket is for local S3 stand-ins only (set AWS_ENDPOINT_URL; "
            "deployed buckets come from Terraform)",
            file=sys.stderr,
        )
        return 2
    s3 = boto3.client("s3", endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region)
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    created = settings.files_bucket not in existing
    if created:
        s3.create_bucket(Bucket=settings.files_bucket)
    print_json({"bucket": settings.files_bucket, "created": created})
    return 0
