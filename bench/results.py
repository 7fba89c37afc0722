"""Where benchmarks leave their figures: bench/results/<name>.json, for bench.capacity."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def save_results(name: str, figures: dict[str, Any]) -> Path:
    """Write one run's figures with the machine and its load, so a figure never travels alone."""
    RESULTS_DIR.mkdir(exist_ok=True)
    try:
        load = list(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = []
    record = {
        "benchmark": name,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": _cpus(), "platform": platform.platform(), "loadavg": load},
        "figures": figures,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(record, indent=2))
    return path


def load_results(name: str) -> dict[str, Any] | None:
    """The last saved figures of a benchmark, or None when it has not been run here."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
