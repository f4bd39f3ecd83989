"""Reusable annotated types for the figures a complaints report prints."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

FINANCIAL_YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def _check_financial_year(value: str) -> str:
    """A UK financial year 'YYYY/YY' whose two halves are consecutive years."""
    match = FINANCIAL_YEAR_PATTERN.match(value)
    if not match:
        raise ValueError(f"financial year must look like 2018/19, got {value!r}")
    start, end = int(match.group(1)), int(match.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(f"financial year {value!r} does not span consecutive years")
    return value


Count = Annotated[int, Field(ge=0, le=10_000_000)]
Percent = Annotated[float, Field(ge=0.0, le=100.0)]
SignedFigure = Annotated[float, Field(ge=-10_000_000, le=10_000_000)]
FinancialYear = Annotated[str, AfterValidator(_check_financial_year)]
Stage = Annotated[int, Field(ge=1, le=3)]
Page = Annotated[int, Field(ge=1)]
