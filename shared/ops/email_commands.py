"""`ensure-email-sender`: register EMAIL_FROM_ADDRESS on a local SES stand-in (moto).

SES (and moto) refuse mail from an unverified sender. Deployed identities are verified
out of band (the domain's DNS records); this command refuses to run there.
"""

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
        "ensure-email-sender", help="register EMAIL_FROM_ADDRESS on the local SES stand-in"
    ).set_defaults(run=ensure_email_sender)


async def ensure_email_sender(settings: Settings, args: argparse.Namespace) -> int:
    """Create the sender where AWS_ENDPOINT_URL points at a stand-in; refuse when deployed."""
    if settings.app_env.is_deployed or not settings.aws_endpoint_url:
        print(
            "ensure-email-sender is for local SES stand-ins only (set AWS_ENDPOINT_URL; "
            "deployed identities are verified in SES)",
            file=sys.stderr,
        )
        return 2
    ses = boto3.client(
        "sesv2", endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region
    )
    ses.create_email_identity(EmailIdentity=settings.email_from_address)
    print_json({"sender": settings.email_from_address, "registered": True})
    return 0
