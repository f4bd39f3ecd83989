"""The `aligned` strategy on a pdfplumber page: words and horizontal edges in, Tables out.

The grid comes from `aligned.find_grids`; pdfplumber's table finder (the pipeline's faster
one, pipeline.extract.table_finder: the same tables) then builds the cells from the grid's
explicit lines, so cell text is extracted exactly as for a ruled table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

from pdfplumber.page import Page
from pdfplumber.table import Table

from pipeline.config import header_vocabulary
from pipeline.extract.cells import WORDS, _word_text, _words, chars_in_order
from pipeline.extract.strategies.aligned import find_grids
from pipeline.extract.strategies.aligned_grid import grid_edges
from pipeline.extract.strategies.aligned_lines import (
    HorizontalEdge,
    WordBox,
    is_figure_word,
    is_running_line,
    top_band_texts,
)
from pipeline.extract.table_finder import find_tables
from pipeline.normalise import fold_name

_WORD = re.compile(r"\S+")
_X0, _X1, _BOTTOM = itemgetter("x0"), itemgetter("x1"), itemgetter("bottom")


def shows_aligned_table(texts: Iterable[str], page: Page) -> bool:
    """A line of text outside any ruled table that is a data row (a label followed by
    figures) or opens with a table family's phrase, or a text table without rules ending
    the previous page: evidence of a table without rules. Run on every page of a ruled
    report, so it reads each line once, from its end."""
    if _carried(page):
        return True
    phrases = tuple(fold_name(p) for name, listed in header_vocabulary().tables.items()
                    if name != "difference_row" for p in listed)
    for text in texts:
        if is_running_line(text, page.page_number):
            continue  # a running footer's '- 4 -' is not a row of figures
        words = _WORD.findall(text)
        trailing = len(words)
        while trailing > 1 and is_figure_word(words[trailing - 1]):
            trailing -= 1
        if len(words) - trailing >= 2:
            return True
        if fold_name(text).startswith(phrases):
            return True
    return False


def horizontal_edges(page: Page) -> list[HorizontalEdge]:
    """Horizontal rules and the top and bottom edges of filled rectangles (shading)."""
    edges = [HorizontalEdge(line["top"], line["x0"], line["x1"]) for line in page.lines
             if abs(line["bottom"] - line["top"]) < 1.0]
    for rect in page.rects:
        edges.append(HorizontalEdge(rect["top"], rect["x0"], rect["x1"]))
        edges.append(HorizontalEdge(rect["bottom"], rect["x0"], rect["x1"]))
    return edges


def word_boxes(page: Page) -> list[WordBox]:
    """`page.extract_words(extra_attrs=["size"], **WORDS)` as word boxes: the same words, in
    the same order, from the one-pass word splitter cell text uses (pipeline.extract.cells)
    wherever it applies: pdfplumber's builds a dict per word (a tenth of a borderless page's
    time)."""
    chars = page.chars
    if not chars_in_order(page):
        return [WordBox(w["text"], w["x0"], w["x1"], w["top"], w["bottom"],
                        round(w["size"], 1))
                for w in page.extract_words(extra_attrs=["size"], **WORDS)]
    boxes = []
    # pdfplumber's grouping with extra_attrs: runs of one direction and one size, each split
    # into lines and words on its own. A word's top is the least of its characters' (the
    # splitter keeps it); an upright word's characters step rightwards, so its first
    # character's x0 is the least.
    for (upright, size), run in groupby(chars, key=itemgetter("upright", "size")):
        rounded = round(size, 1)
        for top, members in _words(list(run)):
            x0 = members[0]["x0"] if upright else min(map(_X0, members))
            boxes.append(WordBox(_word_text(members), x0, max(map(_X1, members)), top,
                                 max(map(_BOTTOM, members)), rounded))
    return boxes


def _memory(page: Page) -> dict[str, Any]:
    """What this strategy remembers from the document's previous page (the reader hands
    every page of a document one dict; a lone page gets its own)."""
    memory = getattr(page, "strategy_memory", None)
    return memory.setdefault("aligned", {}) if isinstance(memory, dict) else {}


def _carried(page: Page) -> tuple[float, ...]:
    """The columns of the text table the previous page ended with, if it did."""
    memory = _memory(page)
    return memory.get("text_columns", ()) if memory.get("page") == page.page_number - 1 \
        else ()


def aligned_tables(rest: Page, page: Page) -> list[Table]:
    """The tables among the words outside earlier strategies' tables."""
    edges = horizontal_edges(page)
    memory = _memory(page)
    words = word_boxes(rest)
    previous = memory.get("page") == page.page_number - 1
    grids = find_grids(words, edges, float(page.height), _carried(page), page.page_number,
                       memory.get("top_texts", set()) if previous else set(),
                       memory.get("text_title", "") if previous else "",
                       memory.get("figure_columns", ()) if previous else ())
    last = grids[-1] if grids and grids[-1].kind == "text" else None
    figures = grids[-1] if grids and grids[-1].kind == "figures" else None
    memory.update(page=page.page_number, top_texts=top_band_texts(words, float(page.height)),
                  text_columns=last.columns if last is not None else (),
                  text_title=last.title if last is not None else "",
                  figure_columns=figures.columns if figures is not None else ())
    tables = []
    for grid in grids:
        vertical, horizontal = grid_edges(grid)
        found = find_tables(page, {"vertical_strategy": "explicit",
                                   "horizontal_strategy": "explicit",
                                   "explicit_vertical_lines": vertical,
                                   "explicit_horizontal_lines": horizontal})
        tables.extend(found[:1])
    return tables
