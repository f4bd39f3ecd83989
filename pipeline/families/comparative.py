"""Comparative Data: a dashboard's figures for this year and last year, and the printed
Difference row. The table that defines a dashboard: each one opens a new section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.extract.layout import is_difference_label, looks_like_figure_rows
from pipeline.extract.stitch import StitchedTable
from pipeline.families.base import ReportContext, SectionScope, TableFamily, WarehouseTable
from pipeline.families.figure_rows import (
    RawFigureRow,
    RawFigureTable,
    quarantine_row,
    quarantine_unknown_columns,
    read_figure_rows,
)
from pipeline.normalise import financial_year, squash
from pipeline.validate import build_differences, build_stage_records, stage_cells
from schemas.records import PrintedDifference, StageOutcome


@dataclass
class ComparativeRows:
    figures: RawFigureTable
    by_period: dict[str, RawFigureRow] = field(default_factory=dict)
    difference: RawFigureRow | None = None
    unlabelled: list[RawFigureRow] = field(default_factory=list)


def comparative_rows(table: StitchedTable) -> ComparativeRows:
    """The year rows and the Difference row, by their labels."""
    found = ComparativeRows(read_figure_rows(table))
    for row in found.figures.rows:
        if is_difference_label(row.label):
            found.difference = row
        elif (period := financial_year(row.label)) is not None and period not in found.by_period:
            found.by_period[period] = row
        else:
            found.unlabelled.append(row)
    return found


def read_comparative(context: ReportContext, table: StitchedTable,
                     section: SectionScope | None) -> None:
    rows = comparative_rows(table)
    for row in rows.unlabelled:
        quarantine_row(context.findings, row, f"row label {squash(row.label)!r} is neither a "
                       "year nor 'Difference'", "stage_outcomes")
    area = section.area if section else None
    if area is None:
        reason = "service area could not be determined (no heading, no matching Top Ten row)"
        for period, row in rows.by_period.items():
            quarantine_row(context.findings, row, reason, "stage_outcomes", period)
        if rows.difference:
            quarantine_row(context.findings, rows.difference, reason, "printed_differences")
        return
    for period, row in rows.by_period.items():
        quarantine_unknown_columns(context.findings, row, "stage_outcomes", area.directorate,
                                   area.name, period)
        where = dict(period=period, directorate=area.directorate, service_area=area.name,
                     page=row.page)
        by_stage = {s: stage_cells(row.cells, s) for s in rows.figures.stages}
        context.add("stage_outcomes", build_stage_records(
            StageOutcome, by_stage, where, context.findings, "stage_outcomes"))
    if rows.difference:
        context.add("printed_differences", build_differences(
            rows.difference, area.directorate, area.name, context.findings))


def _opens(table: StitchedTable, report_year: str | None) -> bool:
    return True


def _continues(table: StitchedTable, rows: Sequence[Sequence[str | None]]) -> bool:
    """Year or Difference rows, only while the table still lacks its Difference row, and
    never a year it already printed (that is the next dashboard's table)."""
    labels = [row[0] for row, _, _ in table.body()]
    if any(is_difference_label(label) for label in labels):
        return False
    printed = {financial_year(label) for label in labels} - {None}
    return looks_like_figure_rows(rows) and not any(
        financial_year(row[0] if row else None) in printed for row in rows)


COMPARATIVE = TableFamily(
    name="comparative", read=read_comparative, figure_table=True, opens_section=_opens,
    accepts_continuation=_continues,
    tables=(WarehouseTable("stage_outcomes", StageOutcome),
            WarehouseTable("printed_differences", PrintedDifference)))
