"""An eligibility-only worker imports no HTTP client library: its one provider is S3 (boto3)."""

from __future__ import annotations

import subprocess
import sys


def test_an_eligibility_only_worker_does_not_import_httpx() -> None:
    # A fresh interpreter: this test process has imported httpx already.
    script = (
        "import sys\n"
        "import gateway.worker, gateway.eligibility.flows\n"
        "print('httpx' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
