"""Money as the API takes it, and a schema that says exactly that.

A JSON integer or a plain decimal string ("1234.56": digits, at most two places, no sign,
exponent or spaces). Fractional JSON numbers are refused: a float cannot carry cents
exactly, and a schema cannot bound a float's decimal places in a way every validator
agrees on. The checks in code and the published JSON schema are built from the same
figures, so a client generated from the OpenAPI never sends a value the code refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


@dataclass(frozen=True)
class MoneyInput:
    """`Annotated[Decimal, MoneyInput(...)]`: at most `max_digits` digits, two after the
    point, >= 0 (or > 0 when `positive`)."""

    max_digits: int
    positive: bool

    @property
    def pattern(self) -> str:
        nonzero = "(?=.*[1-9])" if self.positive else ""  # "0.00" is not above zero
        return rf"^{nonzero}[0-9]{{1,{self.max_digits - 2}}}(\.[0-9]{{1,2}})?$"

    def _check(self, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("an amount is a whole number or a decimal string like 1234.56")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            return Decimal(value)
        if isinstance(value, Decimal):
            return value
        raise ValueError("an amount is a whole number or a decimal string like 1234.56")

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        zero = Decimal(0)
        decimal = core_schema.decimal_schema(
            max_digits=self.max_digits,
            decimal_places=2,
            gt=zero if self.positive else None,
            ge=None if self.positive else zero,
        )
        return core_schema.no_info_before_validator_function(self._check, decimal)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode == "serialization":
            return {"type": "string"}
        return {
            "anyOf": [
                {
                    "type": "integer",
                    "minimum": 1 if self.positive else 0,
                    "maximum": 10 ** (self.max_digits - 2) - 1,
                },
                {"type": "string", "pattern": self.pattern},
            ]
        }
