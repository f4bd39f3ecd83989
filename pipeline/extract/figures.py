"""Figure tables: the Top Ten summary and each dashboard's Comparative Data table.

Both print the same ten figure columns; what differs is the row label (an area name, or a
year / 'Difference'). Output is still text: parsing and checking happen in validate.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.extract.layout import Column, map_figure_columns
from pipeline.extract.sections import MergedTable
from pipeline.normalise import squash


@dataclass(frozen=True)
class RawFigureRow:
    """One printed row: its label and the raw text of each recognised figure column."""

    label: str
    cells: dict[Column, str]
    page: int
    unmapped: tuple[tuple[str, str], ...] = ()  # (printed header, raw text) of unknown columns


@dataclass(frozen=True)
class RawFigureTable:
    family: str
    columns: tuple[Column | None, ...]
    rows: tuple[RawFigureRow, ...]
    page: int


def _drop_empty_columns(table: MergedTable) -> list[list[str | None]]:
    """Columns with no text in any row are layout artefacts (merged or spacer cells)."""
    width = table.width
    keep = [i for i in range(width) if any(row[i] and str(row[i]).strip() for row in table.rows)
            or i == 0]
    return [[row[i] for i in keep] for row in table.rows]


def read_figure_table(table: MergedTable) -> RawFigureTable:
    """Label + figure cells for every data row, columns mapped through the header vocabulary."""
    rows = _drop_empty_columns(table)
    header = rows[0]
    columns = tuple(map_figure_columns(header[1:]))
    raw_rows: list[RawFigureRow] = []
    for row, page in zip(rows[1:], table.row_pages[1:], strict=True):
        label = row[0] or ""
        values = row[1:]
        if not squash(label) and not any(squash(v) for v in values):
            continue  # a spacer row: nothing printed in it
        cells = {col: (value or "") for col, value in zip(columns, values, strict=False) if col}
        unknown_cells = tuple((squash(h) or f"column {i + 2}", value or "")
                         for i, (h, col, value) in enumerate(zip(header[1:], columns, values,
                                                                 strict=False))
                         if col is None and squash(value))
        raw_rows.append(RawFigureRow(label, cells, page, unknown_cells))
    return RawFigureTable(table.family or "", columns, tuple(raw_rows), table.page)
