"""Which packages a module pulls in, asked of a fresh interpreter (this one has imported all)."""

from __future__ import annotations

import json
import subprocess
import sys


def packages_loaded_by(*modules: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of `packages` (top-level names) that importing `modules` loads, sorted."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded
