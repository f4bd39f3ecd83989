"""A table's header is a grid: each column's header is the stack of cells above it.

A report may print a grouped row ("Stage 1 | Stage 2 | Stage 3" in merged cells) above the
measure names, or a title row across the whole table above the column names. Reading each
column's stack, merged cells included, turns both into one header text per column
("Stage 1 received"), which the header vocabulary then maps. Pure functions over plain rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.normalise import squash

Cell = str | None
Origins = Sequence[Sequence[tuple[int, int]]]
MAX_HEADER_ROWS = 4

# A printed figure: 218, 44%, +6, -10%, N/A, '218 (186)', '44%\n(38%)', '-'.
_FIGURE = re.compile(
    r"^(?:[+\-−–]?\s*\d[\d,]*(?:\.\d+)?\s*%?|n/?a|-|–|—)"
    r"(?:\s*\(\s*(?:[+\-−–]?\d[\d,]*(?:\.\d+)?\s*%?|n/?a)\s*\))?$", re.IGNORECASE)


def is_figure_cell(text: Cell) -> bool:
    return bool(_FIGURE.match(squash(text)))


def is_figure_row(row: Sequence[Cell]) -> bool:
    """A data row of a figure table: most printed cells after the label are figures."""
    printed = [c for c in row[1:] if squash(c)]
    figures = sum(is_figure_cell(c) for c in printed)
    return figures >= 2 and figures * 2 >= len(printed)


def figure_header_depth(rows: Sequence[Sequence[Cell]]) -> int:
    """How many leading rows of a figure table are header: those before its first data row."""
    for index, row in enumerate(rows[:MAX_HEADER_ROWS + 1]):
        if is_figure_row(row):
            return max(index, 1)
    return 1


def _origin(origins: Origins | None, row: int, column: int) -> tuple[int, int]:
    if origins and row < len(origins) and column < len(origins[row]):
        return tuple(origins[row][column])  # type: ignore[return-value]
    return (row, column)


def _is_title_row(row: Sequence[Cell], origins: Origins | None, index: int) -> bool:
    """One printed cell across every column."""
    if origins:
        return len({_origin(origins, index, c) for c in range(len(row))}) == 1
    return len(row) > 1 and all(c is None for c in row[1:])


def column_headers(rows: Sequence[Sequence[Cell]], origins: Origins | None,
                   depth: int) -> list[str]:
    """One header text per column: the distinct printed cells stacked above it, top down.

    Without `origins` (no geometry), an empty position (None) in a header row is read as
    covered by the merged cell to its left, as pdfplumber reports a merged cell.
    """
    width = max((len(r) for r in rows[:depth]), default=0)
    headers = []
    for column in range(width):
        parts: list[str] = []
        seen: set[tuple[int, int]] = set()
        for row in range(min(depth, len(rows))):
            if column and width > 1 and _is_title_row(rows[row], origins, row):
                continue  # a title across the whole table names the table, not each column
            origin = _origin(origins, row, column)
            if origins is None and (column >= len(rows[row]) or rows[row][column] is None):
                left = column - 1
                while left >= 0 and left < len(rows[row]) and rows[row][left] is None:
                    left -= 1
                origin = (row, max(left, 0))
            if origin in seen:
                continue
            seen.add(origin)
            r, c = origin
            text = squash(rows[r][c]) if r < len(rows) and c < len(rows[r]) else ""
            if text and text not in parts:
                parts.append(text)
        headers.append(" ".join(parts))
    return headers
