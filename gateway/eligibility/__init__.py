"""Employers' eligibility files (rosters in S3): what this feature adds to the gateway.

- worker: `flows.py`, streaming a file into `eligibility_staging` (`staging.py`),
  reporting, then applying it set-based (`apply.py`);
- scheduler: `sweeps.py`, restarting files whose processing stopped.

The bff takes the upload and writes `eligibility.file_received`
(`shared/eligibility/`); nothing here has a webhook.
"""

from __future__ import annotations

from gateway.eligibility.flows import consumers
from gateway.eligibility.sweeps import sweep_files

__all__ = ["consumers", "sweep_files"]
