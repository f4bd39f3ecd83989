"""Characters to table cells, in one sorted sweep per page, and to text lines, in one pass.

pdfplumber's `Table.extract` tests every character of the page against every row, then every
row's characters against each cell, recomputing each character's midpoint every time. Here a
page's characters are indexed once (midpoints computed once, sorted by their vertical
midpoint), each row takes its slice by bisection, and each cell's characters keep page order,
so every cell gets exactly the characters, in the order, that `Table.extract` gives it: the
same half-open midpoint test, the same text (tests/test_document.py compares them).

A cell's text is pdfplumber's `extract_text`, and the page's text lines its
`extract_text_lines` (words split at a gap over a fifth of the font size, `WORD_GAP`;
lines clustered within 3 pt), fused into one pass over plain tuples: the generic versions
build a word dict per word and a closure, generator and sort key per line (18% and 11% of a
profiled pdfium ingest of the samples); these take about half their time and give the same
strings.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from pdfplumber import utils
from pdfplumber.table import Table
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES

# A word ends where the gap to the next character is over a fifth of the character's size.
# Most producers print the space between words, but some only leave the gap (pdftocairo,
# pdfTeX, some printer drivers): pdfplumber's default, a fixed 3 pt, joins words set at 9 pt,
# whose spaces are 2.0-2.5 pt ('performancemeetings'). Measured with pdfplumber's words
# (split at printed spaces): inside a word, gaps reach 0.014 of the size on every committed
# sample and 0.19 in ../shared's real-world files ('1.40-', '3,000', 'Register/Vol.' at
# 0.11-0.19); between words left unprinted they are 0.226 (Calibri's space) and more.
WORD_GAP = 0.2
# pdfplumber's own word and text functions, told the same
WORDS: dict[str, Any] = {"x_tolerance_ratio": WORD_GAP}

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Char = dict[str, Any]


@dataclass
class CharIndex:
    """A page's characters with their midpoints, sorted by vertical midpoint."""

    chars: list[Char]
    v_mids: list[float] = field(default_factory=list)
    entries: list[tuple[float, float, int]] = field(default_factory=list)  # (v, h, page order)

    orderable: bool | None = None  # no NaN coordinate (see `orderable`); None: find out
    # each table row's cells' characters, by (row box, cell boxes): see `row_cells`
    found_cells: dict[tuple[Any, ...], list[list[Char] | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        entries = sorted(((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i)
                         for i, c in enumerate(self.chars))
        self.entries = entries
        self.v_mids = [entry[0] for entry in entries]
        if self.orderable is None:
            self.orderable = orderable(self.chars)

    def within(self, box: Box) -> list[tuple[int, float, float]]:
        """(page-order position, h, v) of the characters whose midpoint (h, v) lies in the
        half-open box [x0, x1) x [top, bottom), as pdfplumber's `char_in_bbox` tests it, in
        page order."""
        x0, top, x1, bottom = box
        start = bisect_left(self.v_mids, top)
        end = bisect_left(self.v_mids, bottom, start)
        return sorted((i, h, v) for v, h, i in self.entries[start:end] if x0 <= h < x1)

    def row_cells(self, row: Any) -> list[list[Char] | None]:
        """Each cell's characters in one table row (pdfplumber's Row), spaces included, in
        page order (None for a merged position): the half-open midpoint test `table.extract`
        makes. Worked out once per row: the cell texts and the page-break measurements
        (pipeline.extract.page_break) read the same lists."""
        key = (row.bbox, tuple(row.cells))
        found = self.found_cells.get(key)
        if found is None:
            chars, in_row = self.chars, self.within(row.bbox)
            found = self.found_cells[key] = [
                None if cell is None else
                [chars[i] for i, h, v in in_row
                 if cell[0] <= h < cell[2] and cell[1] <= v < cell[3]]
                for cell in row.cells]
        return found


def table_rows(table: Table, index: CharIndex) -> list[list[str | None]]:
    """`table.extract()` over the indexed page's characters."""
    rows = []
    for row in table.rows:
        cells: list[str | None] = []
        for own in index.row_cells(row):
            if own is None:
                cells.append(None)
                continue
            cells.append((cell_text(own) if index.orderable
                          else utils.extract_text(own, **WORDS))
                         if own else "")
        rows.append(cells)
    return rows


def outside(index: CharIndex, boxes: list[Box]) -> list[Char]:
    """The indexed page's characters whose midpoint lies in none of the closed boxes (the
    page text left once its tables are taken out), in page order: each box takes its
    characters from the index by bisection, instead of every character testing every box."""
    if not index.orderable:
        return _outside_scan(index.chars, boxes)
    inside: set[int] = set()
    for x0, top, x1, bottom in boxes:
        start = bisect_left(index.v_mids, top)
        end = bisect_right(index.v_mids, bottom, start)
        inside.update(i for _, h, i in index.entries[start:end] if x0 <= h <= x1)
    return [char for i, char in enumerate(index.chars) if i not in inside]


def _outside_scan(chars: list[Char], boxes: list[Box]) -> list[Char]:
    """`outside` testing each character against each box (NaN sorts nowhere)."""
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


_UPRIGHT = itemgetter("upright")
_X0, _X1, _TOP, _BOTTOM = itemgetter("x0"), itemgetter("x1"), itemgetter("top"), \
    itemgetter("bottom")
_FIRST, _START, _START_END = itemgetter(0), itemgetter(1), itemgetter(1, 2)
Glyph = tuple[float, float, float, float, str, Char]  # line key, start, end, across, text
Word = tuple[float, list[Char]]  # top, characters


def _glyphs(chars: list[Char], upright: bool) -> list[Glyph]:
    """Each character's coordinates in its writing direction: upright text runs left to right
    in lines top to bottom; pdfplumber reads turned text top to bottom in lines left to right
    (its default directions)."""
    if upright:
        return [(c["top"], c["x0"], c["x1"], c["top"], c["text"], c) for c in chars]
    return [(c["x0"], c["top"], c["bottom"], c["x0"], c["text"], c) for c in chars]


def _clustered(items: list[Any], key: Callable[[Any], float], tolerance: float,
               keep_order: bool = False) -> list[list[Any]]:
    """pdfplumber's `cluster_objects`: the distinct key values chained while each is within
    `tolerance` of the last, the items grouped by chain in chain order, page order within
    (`keep_order`: runs of one chain in the items' own order). Each item's chain is looked up
    once and the items dealt into their chains' lists (what a stable sort by chain and a
    groupby give, without a key call per comparison)."""
    keys = list(map(key, items))
    chain: dict[float, int] = {}
    number, last = -1, 0.0
    for value in sorted(set(keys)):
        if number < 0 or value > last + tolerance:
            number += 1
        chain[value] = number
        last = value
    if number <= 0:
        return [items] if items else []
    chains = list(map(chain.__getitem__, keys))
    if keep_order:
        return [[item for _, item in run] for _, run in groupby(zip(chains, items, strict=True),
                                                                  key=_FIRST)]
    groups: list[list[Any]] = [[] for _ in range(number + 1)]
    for chain_number, item in zip(chains, items, strict=True):
        groups[chain_number].append(item)
    return groups


def _words(chars: list[Char]) -> list[Word]:
    """Every word of the characters, in pdfplumber's order (`WordExtractor.iter_extract_tuples`
    with `WORDS`): runs of one direction, lines clustered within the tolerance, and a word
    ends at a blank, at a step back, at a gap over a fifth of the last character's size
    (`WORD_GAP`) or at a drift over the y tolerance; a character of empty text is a word of
    its own. (pdfplumber's turned text swaps the two: a gap over the y tolerance, a drift
    over the fifth.)"""
    words: list[Word] = []
    add_word = words.append
    for upright, run in groupby(chars, key=_UPRIGHT):
        cluster = DEFAULT_Y_TOLERANCE if upright else DEFAULT_X_TOLERANCE
        for line in _clustered(_glyphs(list(run), bool(upright)), _FIRST, cluster):
            line.sort(key=_START if upright else _START_END)
            # the word being gathered: its characters, top, and its last character's start,
            # end plus the gap, position across the line and the drift it allows
            members: list[Char] = []
            top = start = reach = across = allowed = 0.0
            for _, g_start, g_end, g_across, text, char in line:
                g_top = g_across if upright else g_start
                if not text or text.isspace():
                    if members:
                        add_word((top, members))
                        members = []
                    if not text:
                        add_word((g_top, [char]))
                    continue
                if not members:
                    members = [char]
                    top = g_top
                elif g_start < start or g_start > reach or g_across - across > allowed \
                        or across - g_across > allowed:
                    add_word((top, members))
                    members = [char]
                    top = g_top
                else:
                    members.append(char)
                    if g_top < top:  # min(top, g_top): the first of equals stays
                        top = g_top
                relative = WORD_GAP * char["size"]
                start, across = g_start, g_across
                reach = g_end + (relative if upright else DEFAULT_Y_TOLERANCE)
                allowed = DEFAULT_Y_TOLERANCE if upright else relative
            if members:
                add_word((top, members))
    return words


def orderable(chars: list[Char]) -> bool:
    """No NaN among the coordinates words are ordered and clustered by: NaN orders nothing,
    so such characters go through pdfplumber's own functions (an infinity would make a sum
    NaN too, which only sends them there as well)."""
    # three sums in C rather than one over a generator: NaN (or +inf with -inf) anywhere
    # makes the total NaN either way
    return not math.isnan(sum(map(_X0, chars)) + sum(map(_TOP, chars))
                          + sum(map(_BOTTOM, chars)))


def chars_in_order(page: Any) -> bool:
    """`orderable(page.chars)`, asked once per page: a page that knows it already says so
    (`chars_in_order`: the reader's pages, and a page without its tables' characters)."""
    known = getattr(page, "chars_in_order", None)
    return orderable(page.chars) if known is None else bool(known)


_TEXT = itemgetter("text")
_LIGATURE = re.compile("[" + "".join(LIGATURES) + "]")


def _word_text(members: list[Char]) -> str:
    """A word's text, ligatures expanded (pdfplumber's `merge_chars`: a character whose text
    is a ligature; most words have none, and are joined at once)."""
    text = "".join(map(_TEXT, members))
    if _LIGATURE.search(text) is None:
        return text
    return "".join(LIGATURES.get(c["text"]) or c["text"] for c in members)


def cell_text(chars: list[Char]) -> str:
    """`pdfplumber.utils.extract_text(chars, **WORDS)`, the same string, for `orderable`
    characters."""
    if not chars:
        return ""
    lines = _clustered(_words(chars), _FIRST, DEFAULT_Y_TOLERANCE)
    return "\n".join(" ".join(_word_text(members) for _, members in line) for line in lines)


_LINE = re.compile(r" *([^\n]+?) *(\n|$)")  # pdfplumber's TextMap.extract_text_lines(strip=True)


def text_lines(chars: list[Char]) -> list[dict[str, Any]]:
    """`page.extract_text_lines(return_chars=False)` over the page's characters: each line's
    text, x0, top, x1 and bottom. pdfplumber's text map joins the words of each line with one
    space, the lines with a line break, and cuts the text into lines by an expression that
    strips each line's spaces; its box is that of the characters whose letters it kept. A
    line is cut the same way here on its own, its box from its words' characters, unless a
    character's text holds a line break (then the text map's way, letter by letter). For
    `orderable` characters."""
    if not chars:
        return []
    lines = _clustered(_words(chars), _FIRST, DEFAULT_Y_TOLERANCE, keep_order=True)
    texts = [" ".join(_word_text(members) for _, members in line) for line in lines]
    if any("\n" in text for text in texts):
        return _text_lines_by_letter(lines)
    found = []
    for line, text in zip(lines, texts, strict=True):
        text = text.strip(" ")  # what _LINE keeps of a line: its text without end spaces
        if not text.strip():
            continue
        own = [char for _, members in line for char in members if char["text"]]
        found.append({"text": text, "x0": min(map(_X0, own)), "top": min(map(_TOP, own)),
                      "x1": max(map(_X1, own)), "bottom": max(map(_BOTTOM, own))})
    return found


class LazyTextLines:
    """`text_lines(chars)`, worked out a band of lines at a time, top to bottom, as far as it
    is read: the aligned strategy's evidence is most often in a page's first lines, and a
    page it reads tables from has its lines read again without them anyway."""

    def __init__(self, chars: list[Char]) -> None:
        self.bands = _line_bands(chars)
        self.found: list[dict[str, Any]] = []
        self.read = 0  # bands worked out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        index = 0
        while True:
            if index < len(self.found):
                yield self.found[index]
                index += 1
            elif self.read < len(self.bands):
                self.found += text_lines(self.bands[self.read])
                self.read += 1
            else:
                return


# The first band holds this many lines (clusters of tops), each next one twice as many.
_FIRST_BAND = 4


def _line_bands(chars: list[Char]) -> list[list[Char]]:
    """The characters cut into bands, top to bottom, whose `text_lines` put together are the
    page's: each cut where the distinct tops leave a gap over the line tolerance (a line
    cluster ends there, of characters and so of words), each band in page order. Only
    upright text, without a line break in any character's text (both change how the whole
    page is read), is cut."""
    if not chars or not all(map(_UPRIGHT, chars)) or "\n" in "".join(map(_TEXT, chars)):
        return [chars]
    tops = sorted(set(map(_TOP, chars)))
    starts = [b for a, b in zip(tops, tops[1:], strict=False) if b > a + DEFAULT_Y_TOLERANCE]
    cuts: list[float] = []
    size = _FIRST_BAND
    while size <= len(starts):
        cuts.append(starts[size - 1])
        size = 2 * size + _FIRST_BAND
    if not cuts:
        return [chars]
    bands: list[list[Char]] = [[] for _ in range(len(cuts) + 1)]
    for char in chars:
        bands[bisect_right(cuts, char["top"])].append(char)
    return bands


def _text_lines_by_letter(lines: list[list[Word]]) -> list[dict[str, Any]]:
    """`text_lines` as pdfplumber's text map builds the text: each letter remembering its
    character, the text cut into lines by `_LINE` (a line break inside a character's text
    cuts its line there)."""
    letters: list[str] = []
    owners: list[Char | None] = []
    for number, line in enumerate(lines):
        if number:
            letters.append("\n")
            owners.append(None)
        line_start = len(letters)
        for _, members in line:
            if len(letters) > line_start:  # one space between words, none before the first
                letters.append(" ")
                owners.append(None)
            for char in members:
                char_text: str = char["text"]
                for letter in LIGATURES.get(char_text, char_text):
                    letters.append(letter)
                    owners.append(char)
    text = "".join(letters)
    found = []
    for match in _LINE.finditer(text):
        if not match.group(1).strip():
            continue
        own = [c for c in owners[match.start(1):match.end(1)] if c is not None]
        found.append({"text": match.group(1), "x0": min(c["x0"] for c in own),
                      "top": min(c["top"] for c in own), "x1": max(c["x1"] for c in own),
                      "bottom": max(c["bottom"] for c in own)})
    return found
