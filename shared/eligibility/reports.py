"""Processing reports: the worker writes `<key>.report.csv` next to each roster it reads.

The one definition both deployables use: the worker names each report after its
input, the bff refuses a report submitted as a roster, and the IAM roles grant
the suffix (`terraform/`, checked by `tests/unit/test_shipping.py`).
"""

from __future__ import annotations

REPORT_SUFFIX = ".report.csv"


def report_key(object_key: str) -> str:
    """Where the processing report of the roster at `object_key` goes."""
    return object_key + REPORT_SUFFIX


def refuse_report(object_key: str) -> None:
    """ValueError when the object is a processing report, not an eligibility file."""
    if object_key.endswith(REPORT_SUFFIX):
        raise ValueError("that is a processing report, not an eligibility file")
