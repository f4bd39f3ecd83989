"""Validate: raw figure rows -> pydantic records, with every failure kept as quarantine.

A value that fails its check is loaded as NULL *and* kept in quarantine with its raw text,
reason and page; the pipeline never loads a wrong number and never drops one silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import ValidationError

from pipeline.checks import CHECKS
from pipeline.extract.layout import Column
from pipeline.normalise import (
    ParsedCell,
    financial_year,
    parse_count,
    parse_percent,
    parse_signed,
    squash,
)
from schemas.records import (
    DataQualityIssue,
    Measure,
    PrintedDifference,
    QuarantinedValue,
    StageOutcome,
)

if TYPE_CHECKING:
    from pipeline.families.figure_rows import RawFigureRow

MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")
PERCENT_MEASURES = frozenset({"upheld_pct", "upheld_not_upheld_prev_pct"})


def parse_measure(measure: str, raw: str) -> ParsedCell:
    return parse_percent(raw) if measure in PERCENT_MEASURES else parse_count(raw)


@dataclass
class Findings:
    """What validation found beside the records: quarantined values and quality issues."""

    quarantine: list[QuarantinedValue] = field(default_factory=list)
    issues: list[DataQualityIssue] = field(default_factory=list)

    def quarantine_value(self, *, table_name: str, field_name: str, raw: str, reason: str,
                         page: int, directorate: str | None = None,
                         service_area: str | None = None, period: str | None = None,
                         stage: int | None = None) -> None:
        self.quarantine.append(QuarantinedValue(
            table_name=table_name, directorate=directorate, service_area=service_area,
            period=period, stage=stage, field=field_name, raw_text=raw, reason=reason, page=page))
        self.issues.append(DataQualityIssue(
            severity=CHECKS["value_quarantined"].severity, check_name="value_quarantined",
            directorate=directorate,
            service_area=service_area, period=_valid_period(period), stage=stage, page=page,
            detail=f"{table_name}.{field_name} {squash(raw)!r} quarantined: {reason}"))

    def issue(self, check_name: str, **fields: Any) -> None:
        """A finding of a registered check (pipeline.checks.CHECKS), at its severity."""
        self.issues.append(DataQualityIssue(severity=CHECKS[check_name].severity,
                                            check_name=check_name, **fields))


def _valid_period(period: str | None) -> str | None:
    return financial_year(period) if period else None


def stage_cells(cells: dict[Column, str], stage: int) -> dict[str, str]:
    return {measure: raw for (s, measure), raw in cells.items() if s == stage}


R = TypeVar("R", bound=StageOutcome)


def build_stage_records(
    model: Callable[..., R],
    raw_by_stage: dict[int, dict[str, str]],
    context: dict[str, Any],
    findings: Findings,
    table_name: str,
) -> list[R]:
    """One record per stage; unparseable or invalid values become NULL plus quarantine."""
    records: list[R] = []
    for stage in sorted(raw_by_stage):
        raw = raw_by_stage.get(stage, {})
        values: dict[str, float | int | None] = {}
        for measure in MEASURES:
            cell = parse_measure(measure, raw.get(measure, ""))
            if cell.rejection:
                _quarantine(findings, table_name, context, stage, measure, cell.raw,
                            cell.rejection)
            value = cell.value
            values[measure] = int(value) if value is not None and measure not in \
                PERCENT_MEASURES else value
        for _ in range(len(MEASURES) + 1):
            try:
                records.append(model(stage=stage, **context, **values))
                break
            except ValidationError as error:
                bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]} & set(MEASURES)
                reason = "; ".join(e["msg"] for e in error.errors())
                if not bad:  # the record itself cannot stand: keep the whole row's text
                    for measure in MEASURES:
                        if values[measure] is not None or raw.get(measure):
                            _quarantine(findings, table_name, context, stage, measure,
                                        raw.get(measure, ""), reason)
                    break
                for measure in bad:
                    _quarantine(findings, table_name, context, stage, measure,
                                raw.get(measure, ""), reason)
                    values[measure] = None
    return records


def _quarantine(findings: Findings, table_name: str, context: dict[str, Any], stage: int,
                measure: str, raw: str, reason: str) -> None:
    findings.quarantine_value(
        table_name=table_name, field_name=measure, raw=raw, reason=reason,
        page=context["page"], directorate=context.get("directorate"),
        service_area=context.get("service_area"), period=context.get("period"), stage=stage)


def build_differences(row: RawFigureRow, directorate: str, service_area: str,
                      findings: Findings) -> list[PrintedDifference]:
    differences = []
    for (stage, measure), raw in row.cells.items():
        cell = parse_signed(raw, percent=measure in PERCENT_MEASURES)
        if cell.rejection:
            findings.quarantine_value(
                table_name="printed_differences", field_name=measure, raw=raw,
                reason=cell.rejection, page=row.page, directorate=directorate,
                service_area=service_area, stage=stage)
            continue
        differences.append(PrintedDifference(
            directorate=directorate, service_area=service_area, stage=stage,
            measure=cast(Measure, measure), printed_value=cell.value, raw_text=squash(raw),
            page=row.page))
    return differences
