"""Render the committed OpenAPI document of the bff from its pydantic models.

`python -m contracts.openapi_bff` rewrites `contracts/openapi/bff.yaml`; a contract
test compares the committed file with what the code would write, so a model or
route change without a contract change (or the reverse) fails the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bff.app import create_app
from bff.web.api import ENDPOINTS
from bff.web.openapi import build_openapi
from shared.settings import Settings

BFF_OPENAPI = Path(__file__).with_name("openapi") / "bff.yaml"


def bff_openapi() -> dict[str, Any]:
    """The document the code describes (building the app opens nothing)."""
    return build_openapi(create_app(Settings())[ENDPOINTS])


def render() -> str:
    """The YAML text of the document, stable across runs."""
    return yaml.safe_dump(bff_openapi(), sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    """Write `contracts/openapi/bff.yaml`."""
    BFF_OPENAPI.parent.mkdir(exist_ok=True)
    BFF_OPENAPI.write_text(render(), encoding="utf-8")
    print(f"wrote {BFF_OPENAPI}")


if __name__ == "__main__":
    main()
