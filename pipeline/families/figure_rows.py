"""Rows of a figure table (Top Ten, Comparative Data): a label and ten figure cells.

Both families print the same figure columns; what differs is the row label (an area name, or
a year / 'Difference'). Output is still text: parsing and checking happen in validate.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.extract.layout import Column, map_figure_columns
from pipeline.extract.stitch import StitchedTable
from pipeline.normalise import squash
from pipeline.validate import Findings, parse_measure

Figures = dict[tuple[int, str], float | None]


@dataclass(frozen=True)
class RawFigureRow:
    """One printed row: its label and the raw text of each recognised figure column."""

    label: str
    cells: dict[Column, str]
    page: int
    unmapped: tuple[tuple[str, str], ...] = ()  # (printed header, raw text) of unknown columns
    starts_part: bool = False  # the first row of a table part continued on a new page


@dataclass(frozen=True)
class RawFigureTable:
    columns: tuple[Column | None, ...]
    rows: tuple[RawFigureRow, ...]
    page: int

    @property
    def stages(self) -> list[int]:
        """Stages the table prints at least one recognised column for."""
        return sorted({column[0] for column in self.columns if column})


def read_figure_rows(table: StitchedTable) -> RawFigureTable:
    """Label + figure cells for every data row, columns mapped through the header vocabulary.
    Columns with no text in any row (spacer or merged-cell artefacts) are left out."""
    headers = table.headers
    body = table.body()
    keep = [i for i in range(1, table.width)
            if squash(headers[i] if i < len(headers) else "")
            or any(i < len(row) and squash(row[i]) for row, _, _ in body)]
    columns = tuple(map_figure_columns([headers[i] if i < len(headers) else "" for i in keep]))
    raw_rows: list[RawFigureRow] = []
    for row, page, starts_part in body:
        label = row[0] or ""
        values = [row[i] if i < len(row) else None for i in keep]
        if not squash(label) and not any(squash(v) for v in values):
            continue  # a spacer row: nothing printed in it
        cells = {col: (value or "") for col, value in zip(columns, values, strict=True) if col}
        unknown = tuple((squash(headers[i]) or f"column {i + 1}", value or "")
                        for i, col, value in zip(keep, columns, values, strict=True)
                        if col is None and squash(value))
        raw_rows.append(RawFigureRow(label, cells, page, unknown, starts_part))
    return RawFigureTable(columns, tuple(raw_rows), table.page)


def parsed_figures(cells: dict[Column, str]) -> Figures:
    return {column: parse_measure(column[1], raw).value for column, raw in cells.items()}


def quarantine_unknown_columns(findings: Findings, row: RawFigureRow, table_name: str,
                               directorate: str | None = None, service_area: str | None = None,
                               period: str | None = None) -> None:
    """Figures under a header the vocabulary does not know: kept, never guessed."""
    for header, raw in row.unmapped:
        findings.quarantine_value(
            table_name=table_name, field_name=header[:80], raw=raw, page=row.page,
            reason=f"column header {header!r} not recognised (add a phrase for it to "
                   "schemas/headers.toml)",
            directorate=directorate, service_area=service_area, period=period)


def quarantine_row(findings: Findings, row: RawFigureRow, reason: str, table_name: str,
                   period: str | None = None) -> None:
    """Every printed figure of a row that cannot be placed, with the reason."""
    for (stage, measure), raw in row.cells.items():
        if squash(raw):
            findings.quarantine_value(
                table_name=table_name, field_name=measure, raw=raw, reason=reason,
                page=row.page, period=period, stage=stage)
    if not row.cells:
        findings.quarantine_value(table_name=table_name, field_name="row", raw=row.label,
                                  reason=reason, page=row.page)
