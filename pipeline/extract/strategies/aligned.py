"""The `aligned` table strategy: a table printed without ruling lines, read from how its
words line up.

Browser-printed and borderless-styled reports draw at most horizontal rules and zebra
shading. Their tables are found from the words themselves, anchored on what a table of this
report family must hold: data rows (a label followed by numbers and percentages) for the
figure tables, a header naming a known table family for the text tables. Columns are the
x-ranges the body's words occupy, separated by gutters no body word crosses; rows are split
where the text leaves a gap or a horizontal edge (a rule, or a shading band's edge) runs
across the table. A header line above a row boundary inside the header is a grouped row: each
of its cells spans the columns nearest to it.

The result is a grid (column and row boundaries, and which header boundaries are absent),
which `grid_edges` turns into explicit lines for pdfplumber's own table finder, so cells,
merged cells and cell text come from pdfplumber exactly as for a ruled table. Pure functions
over word boxes: no PDF needed to test them.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from pipeline.config import header_vocabulary
from pipeline.extract.strategies.aligned_lines import (
    MIN_GUTTER,
    TOP_BAND,
    HorizontalEdge,
    TextRow,
    WordBox,
    figures_align,
    gap_between,
    is_data_line,
    is_number,
    names_table,
    opens_with_phrase,
    printed_cells,
    running_text,
    same_size,
    text_rows,
    without_page_furniture,
)
from pipeline.normalise import BULLETS, fold_name

_BOTTOM = attrgetter("bottom")

# A gap between two text lines of at least this share of the font size separates table rows
# (cell padding); lines of one cell sit closer (the font's own leading, about 0.15 em).
ROW_GAP = 0.4
# A table's lines follow each other within this many font sizes; a wider gap ends it.
MAX_LINE_GAP = 2.0
# ...except a data row after a data row of as many figures (a Difference row set apart by
# extra space in a small font), or a header above the first data row, within this many.
MAX_DATA_GAP = 4.0
# A header is at most this many lines above the first data row.
MAX_HEADER_LINES = 10
# A horizontal edge marks a row boundary when edges at that height cover this share of the
# table's width (zebra shading is drawn cell by cell).
EDGE_COVER = 0.5
# An edge marks the boundary between two lines when it lies between them or within this
# share of the font size inside either line's box: a tight grouped header's rule may sit
# half a point inside the next line's ascent (Word, 8 pt; the boundary was missed and the
# grouped row read as one with the measure names below it).
EDGE_SLACK = 0.25

@dataclass(frozen=True)
class AlignedGrid:
    """Where an aligned table's cells are. `columns` and `rows` are the boundaries, outer
    ones included; `header_rows` rows are header; `groups[r]` lists, for an upper header row
    r, the column indexes where a new printed cell starts (a grouped header)."""

    columns: tuple[float, ...]
    rows: tuple[float, ...]
    header_rows: int
    groups: dict[int, tuple[int, ...]] = field(default_factory=dict)
    kind: str = "figures"  # figures | text
    title: str = ""  # a text table's first header line (a part continued without it: its own)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.columns[0], self.rows[0], self.columns[-1], self.rows[-1])


def column_extents(lines: Sequence[TextRow]) -> list[tuple[float, float]]:
    """The x-ranges the words occupy, merged across lines; gutters lie between them."""
    spans = sorted((w.x0, w.x1, w.size) for line in lines for w in line.words)
    columns: list[list[float]] = []
    for x0, x1, size in spans:
        if columns and x0 - columns[-1][1] < MIN_GUTTER * max(size, 1.0):
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return [(a, b) for a, b in columns]


def _with_empty_columns(extents: Sequence[tuple[float, float]],
                        header: Sequence[TextRow]) -> list[tuple[float, float]]:
    """A text table's columns: the body's, and each header cell over no body word (a column
    this part leaves empty, e.g. no Complaints Team comment on its only row: without it the
    next part's text in that column would be read into its neighbour)."""
    cells = [_run_box(run) for line in header for run in printed_cells(line)]
    empty = [(c.x0, c.x1) for c in cells
             if not any(c.x0 - MIN_GUTTER * c.size < b and a < c.x1 + MIN_GUTTER * c.size
                        for a, b in extents)]
    return sorted([*extents, *column_extents_of(empty)])


def column_extents_of(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping x-ranges merged."""
    merged: list[list[float]] = []
    for x0, x1 in sorted(spans):
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def _free_point(low: float, high: float, middle: float,
                cells: Sequence[WordBox]) -> float | None:
    """The point in the gutter (low, high) nearest `middle` that cuts none of `cells`."""
    free = [x for w in cells for x in (w.x0 - 0.5, w.x1 + 0.5) if low < x < high
            and not any(v.x0 < x < v.x1 for v in cells)]
    return min(free, key=lambda x: abs(x - middle), default=None)


def _boundaries(extents: Sequence[tuple[float, float]], left: float, right: float,
                header: Sequence[WordBox] = (),
                upper: Sequence[WordBox] = ()) -> tuple[float, ...]:
    """A boundary in each gutter: its middle, or the point nearest it that cuts no header
    cell (a header cell may be wider than its column's figures): no cell of the last header
    row (`header`) nor, where the gutter allows, of the rows above it (`upper`: a title
    printed in the grouped row over the label column, wider than its labels)."""
    inner = []
    for a, b in zip(extents, extents[1:], strict=False):
        low, high = a[1], b[0]
        middle = (low + high) / 2
        if any(w.x0 < middle < w.x1 for w in (*header, *upper)):
            middle = _free_point(low, high, middle, (*header, *upper)) or \
                _free_point(low, high, middle, header) or middle
        inner.append(middle)
    return (left, *inner, right)


class EdgesByHeight(tuple[HorizontalEdge, ...]):
    """A page's horizontal edges, as a tuple, with `heights`: their spans grouped by the half
    point a row boundary is judged at, lowest first, each group in the edges' order (None if
    an edge's height is not a finite number). Made once per page: each table the page holds
    asks `_row_boundaries` for them again."""

    heights: list[tuple[float, list[tuple[float, float]]]] | None

    def __new__(cls, edges: Sequence[HorizontalEdge]) -> EdgesByHeight:
        made = super().__new__(cls, edges)
        groups: dict[float, list[tuple[float, float]]] = {}
        try:
            for edge in made:
                groups.setdefault(round(edge.y * 2) / 2, []).append((edge.x0, edge.x1))
        except (ValueError, OverflowError):
            made.heights = None  # NaN or infinity: each table rounds only the edges it meets
        else:
            made.heights = sorted(groups.items())
        return made


def _edge_cover(edges: Sequence[HorizontalEdge], x0: float, x1: float, last: float,
                ) -> tuple[dict[float, float], dict[float, tuple[float, float]]]:
    """How much of (x0, x1) the edges at each half point cover, and their span, for every
    half point up to `last` (all of them if the edges are not grouped by height)."""
    cover: dict[float, float] = {}
    span: dict[float, tuple[float, float]] = {}
    heights = edges.heights if isinstance(edges, EdgesByHeight) else None
    if heights is None:
        for edge in edges:
            overlap = min(edge.x1, x1) - max(edge.x0, x0)
            if overlap > 0:
                key = round(edge.y * 2) / 2
                cover[key] = cover.get(key, 0.0) + overlap
                low, high = span.get(key, (edge.x0, edge.x1))
                span[key] = (min(low, edge.x0), max(high, edge.x1))
        return cover, span
    for key, spans in heights:
        if key > last:
            break
        # the same sums, in the same order, as above; min and max written out as they pick
        covered, low, high = 0.0, math.nan, math.nan
        for e0, e1 in spans:
            overlap = (x1 if x1 < e1 else e1) - (x0 if x0 > e0 else e0)
            if overlap > 0:
                if covered:
                    low, high = (e0 if e0 < low else low), (e1 if e1 > high else high)
                else:
                    low, high = e0, e1
                covered += overlap
        if covered:
            cover[key], span[key] = covered, (low, high)
    return cover, span


def _row_boundaries(lines: Sequence[TextRow], edges: Sequence[HorizontalEdge],
                    x0: float, x1: float) -> list[int]:
    """Indexes i such that a new table row starts at lines[i] (i > 0)."""
    if not lines:
        return []
    slacks = [EDGE_SLACK * max(line.size, 1.0) for line in lines]
    # Where a rule can still open a row (what `_start_under_rule` would find for the others
    # without reading every line for each of them: most of a page's rules lie outside the
    # table): a rule below every line's words opens none; one above them all opens the row
    # of the first line with a word under it. NaN orders nothing: then every rule is read.
    finite = not math.isnan(sum(w.top + w.bottom + w.size for line in lines
                                for w in line.words))
    below = max(line.bottom - slack for line, slack in zip(lines, slacks, strict=True))
    above = min(min(min(map(_BOTTOM, line.words)) - slack, line.top + slack)
                for line, slack in zip(lines, slacks, strict=True))
    last = max([below, *(line.top + slack for line, slack in zip(lines[1:], slacks[1:],
                                                                 strict=True))]) \
        if finite else math.inf
    width = x1 - x0
    cover, span = _edge_cover(edges, x0, x1, last)
    ruled = sorted(y for y, covered in cover.items() if covered >= EDGE_COVER * width)
    starts = set()
    unplaced = set(ruled)
    for index in range(1, len(lines)):
        upper, lower = lines[index - 1], lines[index]
        slack = slacks[index]
        low, high = upper.bottom - slack, lower.top + slack
        placed = ruled[bisect_left(ruled, low):bisect_right(ruled, high)] if finite else \
            [y for y in ruled if low <= y <= high]
        unplaced.difference_update(placed)
        if placed or gap_between(upper, lower) >= ROW_GAP * max(lower.size, 1.0):
            starts.add(index)
    for y in unplaced:
        if finite and y >= below:
            continue  # every line's words under the rule are wholly above it: no row opens
        start = _first_under(lines, span[y]) if finite and y < above else \
            _start_under_rule(lines, y, span[y])
        if start is not None:
            starts.add(start)
    return sorted(starts)


def _first_under(lines: Sequence[TextRow], span: tuple[float, float]) -> int | None:
    """`_start_under_rule` for a rule above every line's words: the first line with a word
    under it, unless that is the first line."""
    first = next((index for index, line in enumerate(lines)
                  if any(w.x1 > span[0] and w.x0 < span[1] for w in line.words)), None)
    return first if first else None


def _start_under_rule(lines: Sequence[TextRow], y: float,
                      span: tuple[float, float]) -> int | None:
    """The line a rule opens a row at when a line of a column the rule does not cover stands
    across it (a stub column's label wrapped beside a grouped header row, the rule drawn under
    the group's cells only): judged on the words under the rule, each line's wholly above or
    wholly below it. None if a word under the rule crosses it."""
    first_below = None
    for index, line in enumerate(lines):
        under = [w for w in line.words if w.x1 > span[0] and w.x0 < span[1]]
        if not under:
            continue
        slack = EDGE_SLACK * max(line.size, 1.0)
        if max(w.bottom for w in under) - slack <= y:
            if first_below is not None:
                return None
        elif min(w.top for w in under) + slack >= y:
            first_below = index if first_below is None else first_below
        else:
            return None
    return first_below if first_below else None


def _between(upper: TextRow, lower: TextRow) -> float:
    return (upper.bottom + lower.top) / 2


def _grid(header: list[TextRow], body: list[TextRow], edges: Sequence[HorizontalEdge],
          kind: str, single_column: bool = False,
          row_starts: list[int] | None = None) -> AlignedGrid | None:
    """`row_starts`: the lines' row boundaries (`_row_boundaries` over header + body, with
    their extent), if the caller found them already."""
    extents = column_extents(body)
    if len(extents) < 2 and kind == "text" and header:
        # A body of one column under a header of several (a row cut by the page foot, its
        # words in one cell, under the repeated header): the header's cells are the columns.
        extents = column_extents(header + body)
    elif kind == "text" and header:
        extents = _with_empty_columns(extents, header)
    if len(extents) < (1 if single_column else 2):
        return None
    lines = header + body
    left = min(line.x0 for line in lines) - 1.0
    right = max(line.x1 for line in lines) + 1.0
    starts = _row_boundaries(lines, edges, left, right) if row_starts is None else row_starts
    if header and len(header) not in starts:
        starts = sorted({*starts, len(header)})
    ys = [lines[0].top - 1.0, *(_between(lines[i - 1], lines[i]) for i in starts),
          lines[-1].bottom + 1.0]
    header_rows = sum(1 for i in starts if i <= len(header)) if header else 0
    header_starts = [0, *[i for i in starts if i < len(header)]]
    last_header_row = [_run_box(run) for line in header[header_starts[-1]:]
                       for run in printed_cells(line)]
    upper_header_rows = [_run_box(run) for line in header[:header_starts[-1]]
                         for run in printed_cells(line)]
    columns = _boundaries(extents, left, right, last_header_row, upper_header_rows)
    groups = {}
    for row in range(max(header_rows - 1, 0)):  # every header row but the last may group
        groups[row] = _group_starts(header[header_starts[row]:header_starts[row + 1]],
                                    columns)
    return AlignedGrid(tuple(columns), tuple(ys), header_rows, groups, kind)


def _run_box(run: Sequence[WordBox]) -> WordBox:
    return WordBox(" ".join(w.text for w in run), run[0].x0, max(w.x1 for w in run),
                   min(w.top for w in run), max(w.bottom for w in run), run[0].size)


def _group_starts(lines: Sequence[TextRow], columns: Sequence[float]) -> tuple[int, ...]:
    """Columns opening a printed cell of a grouped header row: each column belongs to the
    printed cell nearest its centre. A cell is a run of words on one line, with the runs on
    the row's other lines that overlap it (its wrapped lines): a stub title wrapped beside
    the groups is one cell, not two."""
    cells: list[list[float]] = []
    for run in sorted((_run_box(run) for line in lines for run in printed_cells(line)),
                      key=lambda box: box.x0):
        if cells and run.x0 < cells[-1][1]:
            cells[-1][1] = max(cells[-1][1], run.x1)
        else:
            cells.append([run.x0, run.x1])
    if not cells:
        return tuple(range(len(columns) - 1))
    centres = [(x0 + x1) / 2 for x0, x1 in cells]
    owner = []
    for index in range(len(columns) - 1):
        middle = (columns[index] + columns[index + 1]) / 2
        owner.append(min(range(len(centres)), key=lambda k: abs(centres[k] - middle)))
    return tuple(i for i in range(len(owner)) if i == 0 or owner[i] != owner[i - 1])


def _stacked_cells(lines: Sequence[TextRow], index: int, stop: int) -> list[str]:
    """The printed cells of lines[index], each with the text printed below it (same left
    edge) down to lines[stop]: a header cell wrapped over several lines."""
    cells = []
    for run in printed_cells(lines[index]):
        parts = [" ".join(w.text for w in run)]
        for line in lines[index + 1:stop]:
            parts += [" ".join(w.text for w in below) for below in printed_cells(line)
                      if abs(below[0].x0 - run[0].x0) <= 2.0]
        cells.append(" ".join(parts))
    return cells


def _header_above(lines: Sequence[TextRow], first_body: int, kind: str,
                  floor: int) -> list[TextRow]:
    """The lines above the body from the nearest one whose printed cell (with its wrapped
    lines) names the table (as the ruled path reads a first header cell: the phrase anywhere
    in it); none if no such line is close above. The header may stand further above the
    first row than lines of one row stand apart (a repeated header's padding, in points, is
    wide against a small font), as a Difference row may stand below the year rows."""
    top = first_body
    while top > floor and first_body - top < MAX_HEADER_LINES:
        upper, lower = lines[top - 1], lines[top]
        limit = MAX_DATA_GAP if top == first_body else MAX_LINE_GAP
        if gap_between(upper, lower) > limit * max(lower.size, 1.0):
            break
        top -= 1
        if any(opens_with_phrase(cell, kind, anywhere=True)
               for cell in _stacked_cells(lines, top, first_body)):
            return list(lines[top:first_body])
    return []


def _figure_table(lines: list[TextRow], start: int, floor: int,
                  edges: Sequence[HorizontalEdge]) -> tuple[AlignedGrid | None, int, int]:
    """The figure table whose first data line is lines[start]: (grid, first, end index)."""
    end = start + 1
    first_figure_x = min((w.x0 for w in lines[start].words[1:] if is_number(w.text)),
                         default=lines[start].x1)
    while end < len(lines):
        line, previous = lines[end], lines[end - 1]
        if gap_between(previous, line) > MAX_LINE_GAP * max(line.size, 1.0) and not (
                gap_between(previous, line) <= MAX_DATA_GAP * max(line.size, 1.0)
                and is_data_line(line) and is_data_line(previous)
                and same_size(line, lines[start]) and figures_align(line, previous)):
            break
        if is_data_line(line) and same_size(line, lines[start]):
            first_figure_x = min(first_figure_x, *(w.x0 for w in line.words[1:]
                                                   if is_number(w.text)))
        elif not (line.x1 < first_figure_x and same_size(line, lines[start])) \
                or names_table(line, "text") or names_table(line, "figures"):
            break  # only a label's wrapped words may sit between data lines, not a header
        end += 1
    header = _header_above(lines, start, "figures", floor)
    return _grid(header, lines[start:end], edges, "figures"), start - len(header), end


def _crosses_a_gutter(line: TextRow, above: Sequence[TextRow]) -> bool:
    """One printed cell of `line` runs across a gutter between the columns of the lines
    above: a paragraph printed under the table, not a row of it (a cell wraps inside its
    column)."""
    extents = column_extents(above)
    return any(run[0].x0 < low and max(w.x1 for w in run) > high
               for run in printed_cells(line)
               for (_, low), (high, _) in zip(extents, extents[1:], strict=False))


def _opens_a_note(line: TextRow, above: Sequence[TextRow]) -> bool:
    """A new row opening with a bullet, left of the words above it, where no line of the
    table so far opens with one: a dashboard's note printed under the table (its bullet hangs
    left of the cells' padding), not a row of it."""
    return (line.text[:1] in BULLETS and line.x0 < min(x.x0 for x in above) - 1.5
            and not any(x.text[:1] in BULLETS for x in above))


def _text_body_end(lines: list[TextRow], anchor: int) -> int:
    """Where a text table's lines stop: a wide gap, another font size, a data row, a new row
    that names a table of its own, or a new row that is no row of this table: one running
    across its columns, or starting left of every body row (a paragraph at the margin, left
    of the cells' padding). The first row may stand further below the header than rows
    stand apart (a spacer row under the header, wide against a small font), as in a figure
    table."""
    end = anchor + 1
    body_x0: float | None = None  # the leftmost body line so far (the header may sit right)
    while end < len(lines):
        line, previous = lines[end], lines[end - 1]
        gap = gap_between(previous, line)
        new_row = gap >= ROW_GAP * max(line.size, 1.0)
        limit = MAX_DATA_GAP if body_x0 is None else MAX_LINE_GAP
        if (gap > limit * max(line.size, 1.0)
                or not same_size(line, lines[anchor]) or is_data_line(line)
                or (new_row and (names_table(line, "text") or names_table(line, "figures")
                                 or _crosses_a_gutter(line, lines[anchor:end])
                                 or (body_x0 is not None and line.x0 < body_x0 - 1.5)
                                 or _opens_a_note(line, lines[anchor:end])))):
            break
        if new_row or body_x0 is not None:
            body_x0 = line.x0 if body_x0 is None else min(body_x0, line.x0)
        end += 1
    return end


def _names_commitments(line: TextRow) -> bool:
    """The line opens a commitments table (whose number column may be absent or empty, so
    its body may be one column)."""
    phrases = tuple(fold_name(p) for p in header_vocabulary().tables.get("commitments", ()))
    return bool(phrases) and fold_name(line.text).startswith(phrases)


def _text_table(lines: list[TextRow], anchor: int, edges: Sequence[HorizontalEdge],
                carried: Sequence[float] = ()) -> tuple[AlignedGrid | None, int]:
    """The text table (Analysis, commitments) whose header starts at lines[anchor]. Where it
    opens the page printing again the header of the text table the previous page ended with
    (`carried`: its columns) and its cells sit one per column, those columns are kept: a
    column this part leaves empty (a cut item's number) is still a column."""
    end = _text_body_end(lines, anchor)
    block = lines[anchor:end]
    left = min(line.x0 for line in block) - 1.0
    right = max(line.x1 for line in block) + 1.0
    starts = _row_boundaries(block, edges, left, right)
    if not starts:
        return None, end
    header, body = block[:starts[0]], block[starts[0]:]
    grid = _grid(header, body, edges, "text", _names_commitments(block[0]), starts)
    kept = _carried_columns(block, carried) if carried else None
    if grid is not None and kept is not None and len(kept) >= len(grid.columns):
        grid = AlignedGrid(kept, grid.rows, grid.header_rows, {}, "text")
    if grid is not None:
        grid = AlignedGrid(grid.columns, grid.rows, grid.header_rows, grid.groups, "text",
                           fold_name(block[0].text))
    return grid, end


def _carried_columns(lines: Sequence[TextRow],
                     carried: Sequence[float]) -> tuple[float, ...] | None:
    """The previous part's columns, each inner boundary moved into this part's gutter; None
    when this part's printed cells do not sit one per column."""
    runs = [_run_box(run) for line in lines for run in printed_cells(line)]
    owner = []
    for run in runs:
        middle = (run.x0 + run.x1) / 2
        index = next((i for i in range(len(carried) - 1)
                      if carried[i] <= middle < carried[i + 1]), None)
        if index is None:
            return None
        owner.append(index)
    columns = list(carried)
    for boundary in range(1, len(carried) - 1):
        left = [r.x1 for r, i in zip(runs, owner, strict=True) if i < boundary]
        right = [r.x0 for r, i in zip(runs, owner, strict=True) if i >= boundary]
        if left and right and max(left) >= min(right):
            return None
        if not left and not right:
            return None  # two carried columns this part's cells cannot tell apart
        low = max(left, default=columns[boundary - 1])
        high = min(right, default=columns[boundary + 1])
        if not low <= columns[boundary] <= high:
            # as little as the words need (a cell may run past the previous page's gutter
            # middle), so the parts' columns still agree
            columns[boundary] = min(max(columns[boundary], low + 0.5), high - 0.5) \
                if high - low > 1.0 else (low + high) / 2
    if any(b - a < MIN_GUTTER for a, b in zip(columns, columns[1:], strict=False)):
        return None  # a carried column squeezed out: these cells are not laid out as those
    # The outer edges reach this part's words too: a line longer than any the previous page
    # printed would otherwise lose its last characters to the carried right edge.
    if runs:
        columns[0] = min(columns[0], min(r.x0 for r in runs) - 1.0)
        columns[-1] = max(columns[-1], max(r.x1 for r in runs) + 1.0)
    return tuple(columns)


def _repeats_running_line(line: TextRow, running: Collection[str]) -> bool:
    """A line of one printed cell, no table's header nor figures, that the previous page's
    top printed too: a running header, however close above the page's first table it sits."""
    return (running_text(line.text) in running and len(printed_cells(line)) == 1
            and not is_data_line(line) and not names_table(line, "text")
            and not names_table(line, "figures"))


def _continued_at_top(lines: list[TextRow], page_height: float,
                      edges: Sequence[HorizontalEdge], carried: Sequence[float] = (),
                      running: Collection[str] = (),
                      carried_title: str = "") -> tuple[AlignedGrid | None, int]:
    """A text table continued from the previous page without its header: the page's first
    lines (past a running header set apart by the top margin) printed in two or more
    gutter-separated columns. Where they fit the columns of the text table the previous page
    ended with (`carried`), those columns are kept, so a column left empty on this page is
    still a column. A line set apart at the top is passed over as a running header unless it
    fits those columns and the previous page's top did not print it (`running`): then it is
    the one-line tail of a cut row; a one-cell line the previous page's top printed too is
    passed over however close it stands. Stitching decides whether it continues anything."""
    start = 0
    while (start + 1 < len(lines) and lines[start].top < TOP_BAND * page_height
           and (gap_between(lines[start], lines[start + 1])
                > MAX_LINE_GAP * max(lines[start + 1].size, 1.0)
                or _repeats_running_line(lines[start], running))):
        if carried and running_text(lines[start].text) not in running \
                and len(printed_cells(lines[start])) >= 2 \
                and _carried_columns(lines[start:start + 1], carried) is not None:
            break  # the one-line tail of a row the page break cut, not a running header
        start += 1
    if start >= len(lines) or len(printed_cells(lines[start])) < 2 or is_data_line(lines[start]) \
            or names_table(lines[start], "text") or names_table(lines[start], "figures"):
        return None, 0
    end = _text_body_end(lines, start)
    if end < len(lines) and is_data_line(lines[end]) \
            and _header_above(lines, end, "figures", start):
        return None, 0  # a figure table's header printed again, its name wrapped in its cell
    grid = _grid([], lines[start:end], edges, "text")
    kept = _carried_columns(lines[start:end], carried) if carried else None
    if grid is not None and kept is not None:
        grid = AlignedGrid(kept, grid.rows, 0, {}, "text", carried_title)
    return grid, end


def find_grids(words: Sequence[WordBox], edges: Sequence[HorizontalEdge] = (),
               page_height: float = 0.0, carried: Sequence[float] = (),
               page_number: int | None = None, running: Collection[str] = (),
               carried_title: str = "",
               carried_figures: Sequence[float] = ()) -> list[AlignedGrid]:
    """Every table among the words that a data row or a table-naming header anchors, and a
    header-less text table continued at the top of the page (`carried`: the columns of the
    text table the previous page ended with, `carried_title` its first header line; `running`:
    the previous page's top-band lines; `carried_figures`: the columns of the figure table the
    previous page ended with, kept by a header-less part opening this page whose figures sit
    one per column: its label column's gutter moves with its labels, e.g. 'Variance' alone)."""
    lines = without_page_furniture(text_rows(words), page_height, page_number)
    edges = EdgesByHeight(edges)  # grouped once for all the page's tables
    grids: list[AlignedGrid] = []
    index = 0
    floor = 0  # lines above this belong to a table already found
    if page_height and lines:
        grid, end = _continued_at_top(lines, page_height, edges, carried, running,
                                      carried_title)
        if grid is not None:
            grids.append(grid)
            index = floor = end
    while index < len(lines):
        line = lines[index]
        if is_data_line(line):
            grid, first, end = _figure_table(lines, index, floor, edges)
            if grid is not None and carried_figures and not grids and first == index and all(
                    above.top < TOP_BAND * page_height for above in lines[:index]):
                kept = _carried_columns(lines[first:end], carried_figures)
                if kept is not None and len(kept) == len(grid.columns):
                    grid = AlignedGrid(kept, grid.rows, grid.header_rows, grid.groups,
                                       grid.kind)
        elif names_table(line, "text"):
            repeats_header = not grids and fold_name(line.text) == carried_title and all(
                above.top < TOP_BAND * page_height for above in lines[:index])
            grid, end = _text_table(lines, index, edges, carried if repeats_header else ())
        else:
            index += 1
            continue
        if grid is not None:
            grids.append(grid)
            floor = end
        index = end
    return grids


def grid_edges(grid: AlignedGrid) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Explicit vertical and horizontal lines for pdfplumber's table finder; a grouped header
    cell is drawn without the column lines inside it, so pdfplumber merges it."""
    x0, x1 = grid.columns[0], grid.columns[-1]
    horizontal = [_edge("h", x0, x1, y, y) for y in grid.rows]
    vertical = []
    for index, x in enumerate(grid.columns):
        for row, (top, bottom) in enumerate(zip(grid.rows, grid.rows[1:], strict=False)):
            inner = 0 < index < len(grid.columns) - 1
            if inner and row in grid.groups and index not in grid.groups[row]:
                continue
            vertical.append(_edge("v", x, x, top, bottom))
    return vertical, horizontal


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict[str, Any]:
    return {"object_type": "aligned_edge", "orientation": orientation, "x0": x0, "x1": x1,
            "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}
