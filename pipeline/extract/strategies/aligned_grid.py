"""An aligned table's grid: columns from the gutters its body's words leave, rows from the gaps
between its lines and the horizontal edges (rules, shading bands) across it, a grouped header
row's cells over the columns nearest them; and the grid drawn as explicit edges for
pdfplumber's table finder (see aligned.py, which finds the tables)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from pipeline.extract.strategies.aligned_lines import (
    MIN_GUTTER,
    HorizontalEdge,
    TextRow,
    WordBox,
    gap_between,
    printed_cells,
)

_BOTTOM = attrgetter("bottom")

# A gap between two text lines of at least this share of the font size separates table rows
# (cell padding); lines of one cell sit closer (the font's own leading, about 0.15 em).
ROW_GAP = 0.4
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
    cells = [run_box(run) for line in header for run in printed_cells(line)]
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
    asks `row_boundaries` for them again."""

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


def row_boundaries(lines: Sequence[TextRow], edges: Sequence[HorizontalEdge],
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


def boundary_between(upper: TextRow, lower: TextRow) -> float:
    return (upper.bottom + lower.top) / 2


def table_grid(header: list[TextRow], body: list[TextRow], edges: Sequence[HorizontalEdge],
          kind: str, single_column: bool = False,
          row_starts: list[int] | None = None) -> AlignedGrid | None:
    """`row_starts`: the lines' row boundaries (`row_boundaries` over header + body, with
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
    starts = row_boundaries(lines, edges, left, right) if row_starts is None else row_starts
    if header and len(header) not in starts:
        starts = sorted({*starts, len(header)})
    ys = [lines[0].top - 1.0, *(boundary_between(lines[i - 1], lines[i]) for i in starts),
          lines[-1].bottom + 1.0]
    header_rows = sum(1 for i in starts if i <= len(header)) if header else 0
    header_starts = [0, *[i for i in starts if i < len(header)]]
    last_header_row = [run_box(run) for line in header[header_starts[-1]:]
                       for run in printed_cells(line)]
    upper_header_rows = [run_box(run) for line in header[:header_starts[-1]]
                         for run in printed_cells(line)]
    columns = _boundaries(extents, left, right, last_header_row, upper_header_rows)
    groups = {}
    for row in range(max(header_rows - 1, 0)):  # every header row but the last may group
        groups[row] = _group_starts(header[header_starts[row]:header_starts[row + 1]],
                                    columns)
    return AlignedGrid(tuple(columns), tuple(ys), header_rows, groups, kind)


def run_box(run: Sequence[WordBox]) -> WordBox:
    return WordBox(" ".join(w.text for w in run), run[0].x0, max(w.x1 for w in run),
                   min(w.top for w in run), max(w.bottom for w in run), run[0].size)


def _group_starts(lines: Sequence[TextRow], columns: Sequence[float]) -> tuple[int, ...]:
    """Columns opening a printed cell of a grouped header row: each column belongs to the
    printed cell nearest its centre. A cell is a run of words on one line, with the runs on
    the row's other lines that overlap it (its wrapped lines): a stub title wrapped beside
    the groups is one cell, not two."""
    cells: list[list[float]] = []
    for run in sorted((run_box(run) for line in lines for run in printed_cells(line)),
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
