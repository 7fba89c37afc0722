"""The comparisons the oracle tests rely on can fail: a check that cannot fail proves nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from connectors.aggregation.models import Balances
from tests.contract_providers import oracle


def test_agree_reports_a_value_the_sdk_reads_differently_and_a_field_it_lacks():
    ours = Balances(available=Decimal("10.50"), current=Decimal("11.00"), iso_currency_code="USD")

    assert oracle.agree(ours, {"available": 10.5, "current": 11.0, "iso_currency_code": "USD",
                               "limit": None, "unofficial_currency_code": None,
                               "last_updated_datetime": None}) == []  # fmt: skip
    problems = oracle.agree(ours, {"available": 10.49, "current": 11.0, "limit": None})

    assert problems == [
        "available: ours Decimal('10.50'), SDK Decimal('10.49')",
        "iso_currency_code: ours 'USD', SDK has no such field",
    ]


def test_recorded_refuses_a_fixture_whose_shape_drifted(tmp_path, monkeypatch):
    monkeypatch.setattr(oracle, "FIXTURES", tmp_path)
    (tmp_path / "sample.json").write_text(json.dumps({"a": 1, "b": [{"c": "x"}]}))

    assert oracle.recorded(
        "sample", json.dumps({"a": 2, "b": []}).encode().replace(b"[]", b'[{"c": "y"}]')
    )
    with pytest.raises(AssertionError, match="no longer matches"):
        oracle.recorded("sample", json.dumps({"a": 1, "b": [{"c": None}]}).encode())
