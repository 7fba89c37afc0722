"""The gateway worker child of `bench.eligibility`, importing only what a deployed worker does.

    python -m bench.eligibility_worker <database_url> <amqp_url> <s3_endpoint>

Kept apart from `bench.eligibility` so the RSS it reports is the worker's: the parent's
scaffolding (`tests.support`, which imports httpx, and with it the dev-only click, rich and
pygments that the production image does not install) added ~5 MB to the child's idle and peak.
AWS credentials come from the environment the parent gives it (moto accepts any).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from gateway.eligibility.flows import EligibilityFlow, s3_store_opener
from gateway.worker import RUNNER, only
from gateway.worker import create_app as create_worker
from shared.observability.logging import configure_logging
from shared.settings import AppEnv, Settings

BUCKET = "bench-eligibility"


def _settings(database_url: str, amqp_url: str, endpoint: str) -> Settings:
    return Settings(
        app_env=AppEnv.TEST,
        database_url=SecretStr(database_url),
        amqp_url=SecretStr(amqp_url),
        files_bucket=BUCKET,
        aws_endpoint_url=endpoint,
        log_level="INFO",
    )


def _reset_peak() -> None:
    """Forget the start-up high-water mark (Linux): what is measured next is the processing's."""
    Path("/proc/self/clear_refs").write_text("5")


def _proc_status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since start or the last reset) of this process, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


async def run_worker(database_url: str, amqp_url: str, endpoint: str) -> None:
    """Run the worker until stdin closes, then report peak RSS."""
    settings = _settings(database_url, amqp_url, endpoint)
    configure_logging(service="bench-worker", level=settings.log_level)
    flow = EligibilityFlow(settings, s3_store_opener(settings))
    app = create_worker(settings, consumers=only(flow.consumer()))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # any free port: nothing calls its health check
    await site.start()
    await app[RUNNER].wait_consuming()
    idle_kb = _proc_status_kb("VmRSS")
    _reset_peak()
    print(
        json.dumps({"ready": True, "idle_rss_mb": round(idle_kb / 1024, 1)}),
        file=sys.stderr,
        flush=True,
    )
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    peak_kb = _proc_status_kb("VmHWM")
    print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1)}), file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(run_worker(*sys.argv[1:4]))
