"""Characters to table cells, in one sorted sweep per page.

pdfplumber's `Table.extract` tests every character of the page against every row, then every
row's characters against each cell, recomputing each character's midpoint every time. Here a
page's characters are indexed once (midpoints computed once, sorted by their vertical
midpoint), each row takes its slice by bisection, and each cell's characters keep page order,
so every cell gets exactly the characters, in the order, that `Table.extract` gives it: the
same half-open midpoint test, the same text function (tests/test_document.py compares them).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from pdfplumber import utils
from pdfplumber.table import Table

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Char = dict[str, Any]


@dataclass
class CharIndex:
    """A page's characters with their midpoints, sorted by vertical midpoint."""

    chars: list[Char]
    v_mids: list[float] = field(default_factory=list)
    entries: list[tuple[float, float, int]] = field(default_factory=list)  # (v, h, page order)

    def __post_init__(self) -> None:
        entries = sorted(((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i)
                         for i, c in enumerate(self.chars))
        self.entries = entries
        self.v_mids = [entry[0] for entry in entries]

    def within(self, box: Box) -> list[tuple[int, float, float]]:
        """(page-order position, h, v) of the characters whose midpoint (h, v) lies in the
        half-open box [x0, x1) x [top, bottom), as pdfplumber's `char_in_bbox` tests it, in
        page order."""
        x0, top, x1, bottom = box
        start = bisect_left(self.v_mids, top)
        end = bisect_left(self.v_mids, bottom, start)
        return sorted((i, h, v) for v, h, i in self.entries[start:end] if x0 <= h < x1)


def table_rows(table: Table, index: CharIndex) -> list[list[str | None]]:
    """`table.extract()` over the indexed page's characters."""
    chars, rows = index.chars, []
    for row in table.rows:
        in_row = index.within(row.bbox)
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            x0, top, x1, bottom = cell
            own = [chars[i] for i, h, v in in_row if x0 <= h < x1 and top <= v < bottom]
            cells.append(utils.extract_text(own) if own else "")
        rows.append(cells)
    return rows


def outside(chars: list[Char], boxes: list[Box]) -> list[Char]:
    """The characters whose midpoint lies in none of the closed boxes (the page text left
    once its tables are taken out)."""
    kept = []
    for char in chars:
        mid_x = (char["x0"] + char["x1"]) / 2
        mid_y = (char["top"] + char["bottom"]) / 2
        for x0, top, x1, bottom in boxes:
            if x0 <= mid_x <= x1 and top <= mid_y <= bottom:
                break
        else:
            kept.append(char)
    return kept
