"""Blocks -> stitched tables: a table continued on the next page becomes one table again.

Continuation is decided by structure, never by one producer's habits: the earlier part is the
last thing on its page (page furniture aside), the later part the first thing after it on a
later page (a short "continued" label aside; pages between hold nothing but furniture), both
have the same columns at the same x-positions, and the later part either repeats the header
row(s) or starts without one, with rows its family accepts as a continuation. Rows keep their
page, and each continuation part's first row is marked, so a row cut by the page break can be
joined to the row it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from pipeline.extract.document import Block, Cell, GridPosition, TableBlock, TextLine
from pipeline.extract.header_grid import column_headers
from pipeline.normalise import squash

# Column edges of two parts of one table agree within this many points (after aligning the
# left edges: odd and even pages may have different margins).
COLUMN_TOLERANCE = 3.0
# A column boundary the aligned strategy found is only known to lie in its gutter (it moves
# with the widest figure of each part): two parts agree within this share of the narrowest
# column.
ALIGNED_COLUMN_SHARE = 0.4
_CONTINUED_LABEL = re.compile(r"\bcont(?:inued|inues|'d|d|\.)", re.IGNORECASE)

Rows = Sequence[Sequence[Cell]]
# (rows, origins) -> (family name or None, number of header rows)
DetectFamily = Callable[[Rows, Sequence[Sequence[GridPosition]]], tuple[str | None, int]]
# (the table so far, the header-less rows that might continue it) -> do they?
AcceptsContinuation = Callable[["StitchedTable", Rows], bool]


@dataclass
class StitchedTable:
    """One printed table, possibly spread over pages; every row keeps its page."""

    family: str | None
    rows: list[tuple[Cell, ...]]
    row_pages: list[int]
    header_rows: int = 1
    origins: list[tuple[GridPosition, ...]] = field(default_factory=list)
    column_x: tuple[float, ...] = ()
    part_starts: set[int] = field(default_factory=set)  # row indexes opening a later part
    header_repeats: int = 0
    strategy: str = "ruled"  # the table strategy that read every part (never mixed)

    @property
    def page(self) -> int:
        return self.row_pages[0]

    @property
    def last_page(self) -> int:
        return self.row_pages[-1]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def headers(self) -> list[str]:
        """Each column's header text, the stacked header rows read through merged cells."""
        return column_headers(self.rows, self.origins or None, self.header_rows)

    def body(self) -> list[tuple[tuple[Cell, ...], int, bool]]:
        """(row, page, starts a continuation part) for every row below the header; a row that
        prints a header row again (a producer repeating it, even mid-page) is not data."""
        header = _squashed(self.rows[:self.header_rows])
        return [(row, page, index in self.part_starts)
                for index, (row, page) in enumerate(zip(self.rows, self.row_pages, strict=True))
                if index >= self.header_rows and [squash(c) for c in row] not in header]


def same_columns(a: Sequence[float], b: Sequence[float],
                 tolerance: float = COLUMN_TOLERANCE) -> bool:
    """Same number of columns at the same x-positions (relative to the left edge)."""
    if len(a) != len(b):
        return False
    if not a:
        return True
    return all(abs((x - a[0]) - (y - b[0])) <= tolerance for x, y in zip(a, b, strict=True))


def _column_tolerance(table: StitchedTable) -> float:
    if table.strategy != "aligned" or len(table.column_x) < 2:
        return COLUMN_TOLERANCE
    narrowest = min(b - a for a, b in zip(table.column_x, table.column_x[1:], strict=False))
    return max(COLUMN_TOLERANCE, ALIGNED_COLUMN_SHARE * narrowest)


def _squashed(rows: Rows) -> list[list[str]]:
    return [[squash(c) for c in row] for row in rows]


def is_continued_label(line: TextLine) -> bool:
    """'(continued)', 'Comparative Data cont'd': a short label a table part may carry."""
    return len(line.text) <= 60 and bool(_CONTINUED_LABEL.search(line.text))


def _start_table(block: TableBlock, family: str | None, depth: int) -> StitchedTable:
    return StitchedTable(family, list(block.rows), [block.page] * len(block.rows),
                         header_rows=depth, origins=list(block.origins),
                         column_x=block.column_x, strategy=block.strategy)


def stitch_tables(blocks: Sequence[Block], furniture: Collection[TextLine],
                  detect: DetectFamily,
                  accepts: AcceptsContinuation) -> list[TextLine | StitchedTable]:
    """Blocks in reading order, furniture dropped, each table's parts joined into one."""
    body = [b for b in blocks if not (isinstance(b, TextLine) and b in furniture)]
    last_on_page: dict[int, int] = {}
    for index, block in enumerate(body):
        last_on_page[block.page] = index
    stitched: list[TextLine | StitchedTable] = []
    table: StitchedTable | None = None
    table_end = -1  # index in `body` of the current table's last part
    for index, block in enumerate(body):
        if isinstance(block, TextLine):
            stitched.append(block)
            continue
        family, depth = detect(block.rows, block.origins)
        if table is not None and _is_next_part(table, block, body, index, table_end,
                                               last_on_page):
            rows = _continuation_rows(table, block, family, accepts)
            if rows is not None:
                start = len(table.rows)
                table.rows.extend(rows)
                table.row_pages.extend([block.page] * len(rows))
                if rows:
                    table.part_starts.add(start)
                table_end = index
                continue
        table = _start_table(block, family, depth)
        table_end = index
        stitched.append(table)
    return stitched


def _is_next_part(table: StitchedTable, block: TableBlock, body: Sequence[Block], index: int,
                  table_end: int, last_on_page: dict[int, int]) -> bool:
    """Geometry and position: the earlier part ends its page, this one opens the next page
    that has anything but furniture on it (a producer may leave a page blank between)."""
    if block.page <= table.last_page or last_on_page.get(table.last_page) != table_end:
        return False
    if block.strategy != table.strategy:
        return False  # a table's rows never come from two strategies
    between = body[table_end + 1:index]
    if not all(isinstance(b, TextLine) and is_continued_label(b) for b in between):
        return False
    if len(block.rows[0]) != table.width:
        return False
    return not (table.column_x and block.column_x) or same_columns(
        table.column_x, block.column_x, _column_tolerance(table))


def _continuation_rows(table: StitchedTable, block: TableBlock, family: str | None,
                       accepts: AcceptsContinuation) -> list[tuple[Cell, ...]] | None:
    """The rows `block` adds to `table` (its repeated header dropped), or None if it is a
    table of its own."""
    depth = table.header_rows
    if _squashed(block.rows[:depth]) == _squashed(table.rows[:depth]):
        rows = list(block.rows[depth:])  # the header printed again on the new page
        if table.family is not None and not accepts(table, rows):
            return None
        table.header_repeats += 1
        return rows
    if family is not None:
        return None  # a header of its own, and a different one: a new table
    if table.family is None or accepts(table, block.rows):
        return list(block.rows)
    return None
