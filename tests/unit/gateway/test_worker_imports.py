"""An eligibility-only worker imports no HTTP client library: its one provider is S3 (boto3)."""

from __future__ import annotations

from tests.support.fresh_imports import packages_loaded_by


def test_an_eligibility_only_worker_does_not_import_httpx() -> None:
    # A fresh interpreter: this test process has imported httpx already.
    loaded = packages_loaded_by("gateway.worker", "gateway.eligibility.flows", packages=("httpx",))
    assert loaded == []
