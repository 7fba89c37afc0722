"""The benchmark's worker child measures the worker, not the benchmark's test scaffolding."""

from __future__ import annotations

import subprocess
import sys


def test_the_eligibility_benchmarks_worker_imports_no_test_support() -> None:
    # tests.support imports httpx, which pulls in the dev-only click/rich/pygments (~5 MB).
    script = (
        "import sys\n"
        "import bench.eligibility_worker\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tests', 'httpx', 'rich')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
