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
over word boxes: no PDF needed to test them. This module finds the tables; how a table's
lines become its grid, and the grid edges, are aligned_grid.py.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pipeline.config import header_vocabulary
from pipeline.extract.strategies.aligned_grid import (
    ROW_GAP,
    AlignedGrid,
    EdgesByHeight,
    column_extents,
    row_boundaries,
    run_box,
    table_grid,
)
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

# A table's lines follow each other within this many font sizes; a wider gap ends it.
MAX_LINE_GAP = 2.0
# ...except a data row after a data row of as many figures (a Difference row set apart by
# extra space in a small font), or a header above the first data row, within this many.
MAX_DATA_GAP = 4.0
# A header is at most this many lines above the first data row.
MAX_HEADER_LINES = 10


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
    return table_grid(header, lines[start:end], edges, "figures"), start - len(header), end


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
    starts = row_boundaries(block, edges, left, right)
    if not starts:
        return None, end
    header, body = block[:starts[0]], block[starts[0]:]
    grid = table_grid(header, body, edges, "text", _names_commitments(block[0]), starts)
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
    runs = [run_box(run) for line in lines for run in printed_cells(line)]
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
    grid = table_grid([], lines[start:end], edges, "text")
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
