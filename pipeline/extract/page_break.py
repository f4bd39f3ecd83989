"""How a table's cells end and begin where a page break may fall: where each cell of its last
row ends (a cell the page foot cut ends near it), how much further each last line could have
run, and how wide each first word of its first rows is. Stitching weighs a page break with
these (pipeline.extract.stitch); only the page's lowest and highest tables are measured."""

from __future__ import annotations

from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from pdfplumber.table import Table

from pipeline.extract.cells import Char, CharIndex

if TYPE_CHECKING:
    from pipeline.extract.document import Block, TableBlock

# A continuation part's first body row is among its first rows (below a repeated header).
FIRST_ROWS_MEASURED = 3


def _printed(own: list[Char]) -> list[Char]:
    return [c for c in own if not c["text"].isspace()]


def text_bottoms(row: Any, index: CharIndex) -> tuple[tuple[float | None, ...], float | None]:
    """Where each cell's text ends in one table row (its lowest character's bottom; None for a
    merged position or an empty cell), and the row's line pitch (None if no cell holds two
    lines). Where a page break cut a row, every cell it cut ends near the page's foot."""
    bottoms: list[float | None] = []
    pitches: list[float] = []
    for cell in index.row_cells(row):
        if cell is None:
            bottoms.append(None)
            continue
        own = _printed(cell)
        bottoms.append(max(c["bottom"] for c in own) if own else None)
        tops = sorted({round(c["top"]) for c in own})
        lines = [t for k, t in enumerate(tops) if k == 0 or t - tops[k - 1] > 2]
        if len(lines) > 1:
            pitches.append((lines[-1] - lines[0]) / (len(lines) - 1))
    return tuple(bottoms), (min(pitches) if pitches else None)


def last_line_room(table: Table, index: CharIndex) -> tuple[float | None, ...]:
    """For each cell of the table's last row, how much further its last line could have run:
    the furthest any line of that column reaches (in rows with the same cell edges), less where
    this last line ends; None for an empty or merged cell. The column's true right margin lies
    at or beyond its furthest line, so the room is never overstated: a following word narrower
    than it would have been set on that line, had the paragraph gone on."""
    rows = table.rows  # a property that builds its rows anew on each call
    last = rows[-1]
    reach: list[float | None] = [None] * len(last.cells)
    ends: list[float | None] = [None] * len(last.cells)
    for row in rows:
        for k, (cell, edges, each) in enumerate(zip(row.cells, last.cells,
                                                   index.row_cells(row), strict=False)):
            if cell is None or edges is None or each is None or \
                    abs(cell[0] - edges[0]) > 0.5 or abs(cell[2] - edges[2]) > 0.5:
                continue
            own = _printed(each)
            if not own:
                continue
            furthest = max(c["x1"] for c in own)
            reach[k] = furthest if reach[k] is None else max(reach[k] or 0.0, furthest)
            if row is last:
                last_top = max(c["top"] for c in own)
                ends[k] = max(c["x1"] for c in own if c["top"] > last_top - 2)
    return tuple(None if end is None or far is None else far - end
                 for far, end in zip(reach, ends, strict=True))


def first_word_widths(row: Any, index: CharIndex) -> tuple[float | None, ...]:
    """For each cell of a table row, the width its first word and a space take (None: empty
    or merged): what the line above would need to have room for, had the text run on."""
    widths: list[float | None] = []
    for cell in index.row_cells(row):
        own = cell or []
        printed = _printed(own)
        if not printed:
            widths.append(None)
            continue
        first_top = min(c["top"] for c in printed)
        line = sorted((c for c in own if c["top"] < first_top + 2), key=itemgetter("x0"))
        start = end = next(c for c in line if not c["text"].isspace())
        space = None
        for char in line[line.index(start) + 1:]:
            if char["text"].isspace() or char["x0"] - end["x1"] > 0.15 * char["size"]:
                space = char if char["text"].isspace() else None
                break
            end = char
        space_width = space["x1"] - space["x0"] if space else 0.25 * start["size"]
        widths.append(end["x1"] - start["x0"] + space_width)
    return tuple(widths)


def measure_page_break(blocks: list[Block], tables: list[tuple[int, Table]],
                       index: CharIndex) -> None:
    """Give the page's lowest table how its last row's cells end (a part the page foot may
    have cut) and its highest how its first rows' cells begin (a part that may continue one
    from the page before): stitching weighs a page break with them. Only those two can lie
    at a break, and measuring every table's cells again costs about 7% of the parse."""
    position, lowest = max(tables, key=lambda found: found[1].bbox[3])
    block = cast("TableBlock", blocks[position])
    bottoms, pitch = text_bottoms(lowest.rows[-1], index)
    blocks[position] = replace(block, last_row_bottoms=bottoms, last_row_pitch=pitch,
                               last_line_room=last_line_room(lowest, index))
    position, highest = min(tables, key=lambda found: found[1].bbox[1])
    block = cast("TableBlock", blocks[position])
    blocks[position] = replace(block, first_word_widths=tuple(
        first_word_widths(row, index) for row in highest.rows[:FIRST_ROWS_MEASURED]))
