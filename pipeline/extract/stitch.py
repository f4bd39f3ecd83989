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
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.extract.document import Block, Cell, GridPosition, TableBlock, TextLine
from pipeline.extract.header_grid import column_headers
from pipeline.normalise import squash

# Column edges of two parts of one table agree within this many points (after aligning the
# left edges: odd and even pages may have different margins).
COLUMN_TOLERANCE = 3.0
# A column boundary the aligned strategy found is only known to lie in its gutter (it moves
# with the widest figure or longest line of each part): two parts agree on a boundary within
# this share of the narrower column beside it.
ALIGNED_COLUMN_SHARE = 0.4
# A cell the page foot cut ends within this many lines of its row's lowest text: the line
# that did not fit (after a paragraph's spacing), and up to two lines that widow and orphan
# control moved on to the next page.
FOOT_CUT_LINES = 4.0
# A word fits beside a line's end only with this much to spare (points): the two page
# sources place a line's end up to 0.7 pt apart (pdfium truncates glyph widths), and the
# verdict must not depend on which one read the page.
PARAGRAPH_ROOM_SLACK = 1.5
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
    # part start -> body lines of room the earlier part left above its page's text-area foot
    # (absent where the report does not show where that foot is)
    part_room: dict[int, float] = field(default_factory=dict)
    # part start -> for each column, could the page foot have cut the earlier part's last
    # row there (its text ends within FOOT_CUT_LINES lines of the row's lowest; None: empty)
    part_cut_columns: dict[int, tuple[bool | None, ...]] = field(default_factory=dict)
    # part start -> for each column, did the earlier part's last line there leave room for
    # this row's first word (the paragraph above ended; None: either cell empty or unmeasured)
    part_paragraph_ends: dict[int, tuple[bool | None, ...]] = field(default_factory=dict)
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

    def room_before(self, row: tuple[Cell, ...]) -> float | None:
        """Body lines of room the part before this row (one that opens a later part) left at
        its page's foot; None where unknown or the row opens no part."""
        index = self._part_start(row)
        return None if index is None else self.part_room.get(index)

    def cut_columns_before(self, row: tuple[Cell, ...]) -> tuple[bool | None, ...]:
        """For each column, could the page foot have cut the row above this one (the last row
        of the part before it) there; () where unknown or the row opens no part."""
        index = self._part_start(row)
        return () if index is None else self.part_cut_columns.get(index, ())

    def paragraph_ends_before(self, row: tuple[Cell, ...]) -> tuple[bool | None, ...]:
        """For each column, did the paragraph in the row above this one (the last row of the
        part before it) end there; () where unknown or the row opens no part."""
        index = self._part_start(row)
        return () if index is None else self.part_paragraph_ends.get(index, ())

    def _part_start(self, row: tuple[Cell, ...]) -> int | None:
        return next((index for index in self.part_starts if self.rows[index] is row), None)


def cut_columns(bottoms: Sequence[float | None],
                pitch: float | None) -> tuple[bool | None, ...]:
    """For each cell of a part's last row, could the page foot have cut it: its text ends
    within FOOT_CUT_LINES lines (`pitch` apart) of the row's lowest text. None for an empty
    cell; () where the row holds no cell of two lines (no cell can end a line short)."""
    lowest = max((b for b in bottoms if b is not None), default=None)
    if lowest is None or not pitch:
        return ()
    return tuple(None if b is None else b >= lowest - FOOT_CUT_LINES * pitch for b in bottoms)


def paragraph_ends(room: Sequence[float | None],
                   first_words: Sequence[float | None]) -> tuple[bool | None, ...]:
    """For each column, did the paragraph in a part's last row end there: the first word of
    the next part's first row (with its space) would have fit on that last line, and a
    producer setting one paragraph fills a line before starting the next. None where either
    cell is empty or the columns differ."""
    if len(room) != len(first_words):
        return ()
    return tuple(None if free is None or need is None else need + PARAGRAPH_ROOM_SLACK <= free
                 for free, need in zip(room, first_words, strict=True))


def same_columns(a: Sequence[float], b: Sequence[float],
                 tolerance: float | Sequence[float] = COLUMN_TOLERANCE) -> bool:
    """Same number of columns at the same x-positions (relative to the left edge), within
    `tolerance` (one for all, or one per column edge)."""
    if len(a) != len(b):
        return False
    if not a:
        return True
    tolerances = [tolerance] * len(a) if isinstance(tolerance, (int, float)) else tolerance
    return all(abs((x - a[0]) - (y - b[0])) <= t
               for x, y, t in zip(a, b, tolerances, strict=True))


def _column_tolerance(table: StitchedTable) -> float | tuple[float, ...]:
    """Ruled columns agree within a few points; an aligned boundary within a share of the
    narrower column beside it (the last column's width is not known: the one left of it)."""
    x = table.column_x
    if table.strategy != "aligned" or len(x) < 2:
        return COLUMN_TOLERANCE
    widths = [b - a for a, b in zip(x, x[1:], strict=False)]
    return (COLUMN_TOLERANCE,
            *(max(COLUMN_TOLERANCE, ALIGNED_COLUMN_SHARE * min(widths[i - 1:i + 1]))
              for i in range(1, len(x))))


def _squashed(rows: Rows) -> list[list[str]]:
    return [[squash(c) for c in row] for row in rows]


def _glyphs(rows: Rows) -> list[str]:
    """The rows' letters and digits in sorted order: a header read again with a column
    boundary through another of its words ('Stag|e 2' over 'Sta|ge 2', each cell's lines
    stacked) is the same header, as is one whose bullet OCR read on one page only ('* Provide'
    over 'Provide')."""
    return sorted(ch for row in rows for c in row for ch in (c or "") if ch.isalnum())


def is_continued_label(line: TextLine) -> bool:
    """'(continued)', 'Comparative Data cont'd': a short label a table part may carry."""
    return len(line.text) <= 60 and bool(_CONTINUED_LABEL.search(line.text))


def _start_table(block: TableBlock, family: str | None, depth: int) -> StitchedTable:
    return StitchedTable(family, list(block.rows), [block.page] * len(block.rows),
                         header_rows=depth, origins=list(block.origins),
                         column_x=block.column_x, strategy=block.strategy)


def body_line_height(body: Sequence[Block]) -> float | None:
    """The report's usual text line height (the median of its body lines)."""
    heights = [b.bottom - b.top for b in body if isinstance(b, TextLine) and b.bottom > b.top]
    return statistics.median(heights) if heights else None


def text_area_feet(body: Sequence[Block],
                   page_heights: Mapping[int, float]) -> dict[float, float]:
    """Page height -> the lowest point body content reaches on at least two pages of that
    height: the text area's foot, or above it where only one page is full (so room at a foot
    is never overstated). One page alone (a stray line in the margin) does not set it."""
    lowest: dict[int, float] = {}
    for block in body:
        lowest[block.page] = max(lowest.get(block.page, 0.0), block.bottom)
    feet: dict[float, float] = {}
    for height in set(page_heights.values()):
        bottoms = sorted((b for page, b in lowest.items() if page_heights.get(page) == height),
                         reverse=True)
        if len(bottoms) >= 2:
            feet[height] = bottoms[1]
    return feet


def _words(text: str) -> Counter[str]:
    return Counter(squash(text).lower().split())


def _header_words(block: TableBlock, detect: DetectFamily) -> tuple[str, Counter[str]] | None:
    """A table block's header text and words, if it has a header of a known family."""
    family, depth = detect(block.rows, block.origins)
    if family is None or depth < 1:
        return None
    text = " ".join(squash(c) for row in block.rows[:depth] for c in row if c)
    return text, _words(text)


def _header_run(lines: Sequence[Block], header: tuple[str, Counter[str]]) -> list[TextLine]:
    """The longest run of `lines` (in the order given, from the table outwards) made of the
    header's words alone and, read in page order, opening as the header does."""
    text, words = header
    opening = text.split()[:1]
    seen: Counter[str] = Counter()
    run: list[TextLine] = []
    taken: list[TextLine] = []
    for line in lines:
        if not isinstance(line, TextLine):
            break
        seen.update(_words(line.text))
        if seen - words:
            break
        taken.append(line)
        if min(taken, key=lambda t: t.top).text.split()[:1] == opening:
            run = list(taken)
    return run


def headers_printed_alone(body: Sequence[Block], detect: DetectFamily) -> set[TextLine]:
    """Lines that are a table's header printed without rows: at the foot of a page, repeated
    over the table that opens the next page (the first row went there), or at the top of a
    page, repeating the header of the table that ended the page before (a producer repeating
    the header on a page the table's last row did not reach). Not text, nor notes."""
    first_on_page: dict[int, int] = {}
    last_on_page: dict[int, int] = {}
    for index, block in enumerate(body):
        first_on_page.setdefault(block.page, index)
        last_on_page[block.page] = index
    alone: set[TextLine] = set()
    for page, index in first_on_page.items():
        if page - 1 not in first_on_page:
            continue
        block = body[index]
        if isinstance(block, TableBlock) and (header := _header_words(block, detect)):
            foot = body[first_on_page[page - 1]:index]
            alone.update(_header_run(list(reversed(foot)), header))
        previous = body[last_on_page[page - 1]]
        if isinstance(previous, TableBlock) and (header := _header_words(previous, detect)):
            top = body[index:last_on_page[page] + 1]
            alone.update(_header_run(top, header))
    return alone


def stitch_tables(blocks: Sequence[Block], furniture: Collection[TextLine],
                  detect: DetectFamily, accepts: AcceptsContinuation,
                  page_heights: Mapping[int, float] | None = None,
                  ) -> list[TextLine | StitchedTable]:
    """Blocks in reading order, furniture dropped, each table's parts joined into one."""
    body = [b for b in blocks if not (isinstance(b, TextLine) and b in furniture)]
    alone = headers_printed_alone(body, detect)
    body = [b for b in body if not (isinstance(b, TextLine) and b in alone)]
    line_height = body_line_height(body)
    feet = text_area_feet(body, page_heights or {})
    last_on_page: dict[int, int] = {}
    for index, block in enumerate(body):
        last_on_page[block.page] = index
    stitched: list[TextLine | StitchedTable] = []
    table: StitchedTable | None = None
    table_end = -1  # index in `body` of the current table's last part
    table_bottom = 0.0  # where that part ends on its page
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
                    foot = feet.get((page_heights or {}).get(table.row_pages[start - 1], -1.0))
                    if foot is not None and line_height:
                        table.part_room[start] = max(0.0, foot - table_bottom) / line_height
                    previous = body[table_end]
                    if isinstance(previous, TableBlock):
                        table.part_cut_columns[start] = cut_columns(
                            previous.last_row_bottoms, previous.last_row_pitch)
                        first = len(block.rows) - len(rows)  # below a repeated header
                        if first < len(block.first_word_widths):
                            table.part_paragraph_ends[start] = paragraph_ends(
                                previous.last_line_room, block.first_word_widths[first])
                table_end, table_bottom = index, block.bottom
                continue
        table = _start_table(block, family, depth)
        table_end, table_bottom = index, block.bottom
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
    if _squashed(block.rows[:depth]) == _squashed(table.rows[:depth]) or \
            _glyphs(block.rows[:depth]) == _glyphs(table.rows[:depth]):
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
