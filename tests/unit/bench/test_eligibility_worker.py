"""The benchmark's worker child measures the worker, not the benchmark's test scaffolding."""

from __future__ import annotations

from tests.support.fresh_imports import packages_loaded_by


def test_the_eligibility_benchmarks_worker_imports_no_test_support() -> None:
    # tests.support imports httpx, which pulls in the dev-only click/rich/pygments (~5 MB).
    assert packages_loaded_by("bench.eligibility_worker", packages=("tests", "httpx", "rich")) == []
