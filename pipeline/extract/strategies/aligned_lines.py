"""Words into printed lines, and what a line of a complaints report's page is: a data row
(a label and its figures), a line naming a table family, a running header or footer.

The pieces the `aligned` strategy reads a page with (pipeline.extract.strategies.aligned
finds the tables among the lines). Pure functions over word boxes: no PDF needed to test them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar, overload

from pipeline.config import header_vocabulary
from pipeline.extract.furniture import MARGIN_BAND, page_number_suffix
from pipeline.extract.header_grid import is_figure_cell
from pipeline.normalise import fold_name

# A gutter between columns is at least this share of the font size wide (a space is ~0.28 em).
MIN_GUTTER = 0.5
# The top of a page where a running header may sit (as pipeline.extract.furniture reads it).
TOP_BAND = 0.13
# Two text lines are one line when their middles are this close (points).
LINE_TOLERANCE = 2.0
# Words of one table have one font size, within this many points.
SIZE_TOLERANCE = 0.3
# Item numbers down one column start within this many points of each other.
COLUMN_TOLERANCE = 2.0

_BRACKETED = re.compile(r"^\((.+)\)$")
_LEFT, _RIGHT, _TOP, _BOTTOM = attrgetter("x0"), attrgetter("x1"), attrgetter("top"), \
    attrgetter("bottom")


@dataclass(frozen=True)
class WordBox:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float = 0.0


@dataclass(frozen=True)
class HorizontalEdge:
    """A horizontal rule or the top/bottom edge of a filled rectangle, as evidence of a row
    boundary (never of a ruled grid)."""

    y: float
    x0: float
    x1: float


_Value = TypeVar("_Value")


class _once(Generic[_Value]):  # lower case: a decorator, as cached_property is
    """functools.cached_property without its lock (Python 3.11 takes one at every first
    ask, and a page asks for thousands of these): worked out at the first ask and kept in
    the instance, which later asks then read without calling this."""

    def __init__(self, compute: Callable[[Any], _Value]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, instance: None, owner: Any = None) -> _once[_Value]: ...

    @overload
    def __get__(self, instance: object, owner: Any = None) -> _Value: ...

    def __get__(self, instance: object | None, owner: Any = None) -> _Value | _once[_Value]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class TextRow:
    """Words printed on one line, left to right (never changed once made: its extent and
    size are worked out once, they are asked for again and again)."""

    words: tuple[WordBox, ...]

    @_once
    def top(self) -> float:
        return min(map(_TOP, self.words))

    @_once
    def bottom(self) -> float:
        return max(map(_BOTTOM, self.words))

    @_once
    def x0(self) -> float:
        return min(map(_LEFT, self.words))

    @_once
    def x1(self) -> float:
        return max(map(_RIGHT, self.words))

    @_once
    def size(self) -> float:
        sizes = sorted(w.size for w in self.words)
        return sizes[len(sizes) // 2]

    @_once
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def is_figure_word(text: str) -> bool:
    """218, 44%, +6, N/A, and a bracketed prior-year figure: (186), (38%)."""
    match = _BRACKETED.match(text)
    return is_figure_cell(match.group(1) if match else text)


def is_number(text: str) -> bool:
    """A figure with a digit: a dash between a directorate and an area is not one."""
    return is_figure_word(text) and any(c.isdigit() for c in text)


def _figures(line: TextRow) -> list[WordBox]:
    """The figures that end the line."""
    start = len(line.words)
    while start > 1 and is_figure_word(line.words[start - 1].text):
        start -= 1
    return list(line.words[start:])


def figures_align(line: TextRow, above: TextRow) -> bool:
    """Every figure of the line sits under a figure of the line above, and as many of them
    (the figures of one table's rows, whatever space sets them apart)."""
    upper = _figures(above)[-len(_figures(line)):]
    return len(upper) == len(_figures(line)) and all(
        a.x0 < b.x1 and b.x0 < a.x1 for a, b in zip(_figures(line), upper, strict=True))


def is_data_line(line: TextRow) -> bool:
    """A label followed by figures only, at least two of them numbers ('stage 1 stage 2' in a
    header, or a sentence quoting a figure, is not one)."""
    start = len(line.words)
    while start > 1 and is_figure_word(line.words[start - 1].text):
        start -= 1
    return sum(is_number(w.text) for w in line.words[start:]) >= 2


_PHRASES: dict[str, tuple[object, tuple[str, ...]]] = {}


def _anchor_phrases(kind: str) -> tuple[str, ...]:
    """The folded header phrases of the figure or text table families (kept while the same
    vocabulary is loaded: this is asked for every line of a page)."""
    vocabulary = header_vocabulary()
    cached = _PHRASES.get(kind)
    if cached is None or cached[0] is not vocabulary:
        names = ("top_ten", "comparative") if kind == "figures" else ("analysis", "commitments")
        cached = (vocabulary, tuple(fold_name(p).replace(" and ", " & ") for name in names
                                    for p in vocabulary.tables.get(name, ())))
        _PHRASES[kind] = cached
    return cached[1]


def printed_cells(line: TextRow) -> list[list[WordBox]]:
    """Runs of words closer than a gutter: the printed cells of one line."""
    runs: list[list[WordBox]] = []
    for word in line.words:
        if runs and word.x0 - runs[-1][-1].x1 < MIN_GUTTER * max(word.size, 1.0):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def names_table(line: TextRow, kind: str) -> bool:
    """The line's first printed cell opens with a phrase naming a table family of `kind`
    (a table's first header cell names it; a body cell that happens to open with such a
    phrase sits beside another cell of its row)."""
    runs = printed_cells(line)
    return bool(runs) and opens_with_phrase(" ".join(w.text for w in runs[0]), kind)


def text_rows(words: Sequence[WordBox]) -> list[TextRow]:
    """Words grouped into printed lines, top to bottom, each left to right."""
    lines: list[list[WordBox]] = []
    top = bottom = 0.0  # of the line being gathered
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        middle = (word.top + word.bottom) / 2
        if lines and abs(middle - (top + bottom) / 2) <= LINE_TOLERANCE:
            lines[-1].append(word)
            top, bottom = min(top, word.top), max(bottom, word.bottom)
        else:
            lines.append([word])
            top, bottom = word.top, word.bottom
    return [TextRow(tuple(sorted(line, key=_LEFT))) for line in lines]


def gap_between(upper: TextRow, lower: TextRow) -> float:
    return lower.top - upper.bottom


def same_size(a: TextRow, b: TextRow) -> bool:
    return abs(a.size - b.size) <= SIZE_TOLERANCE


def opens_with_phrase(text: str, kind: str, anywhere: bool = False) -> bool:
    folded = fold_name(text).replace(" and ", " & ")
    phrases = _anchor_phrases(kind)
    if anywhere:
        return any(p in folded for p in phrases)
    return folded.startswith(phrases)


_BARE_NUMBER = re.compile(r"[+\-\u2013\u2212]?(\d{1,3})")


def is_running_line(text: str, page_number: int | None = None) -> bool:
    """A running header or footer's text ('Annual Complaints Report   - 4 -'): it ends with a
    page number, and nothing before it reads as figures. A bare number ending it ('... 61 9')
    counts only where it is this page's number: a table row's last figure looks the same."""
    words = text.split()
    suffix = page_number_suffix(text)
    if not suffix:
        return False
    bare = _BARE_NUMBER.fullmatch(" ".join(words[-suffix:]))
    if bare and (page_number is None or int(bare.group(1)) != page_number):
        return False
    return sum(is_figure_word(w) for w in words[:-suffix]) < 2


def is_page_furniture(line: TextRow, page_height: float, page_number: int | None) -> bool:
    """A running line in the page's top or bottom margin band: never a table's row."""
    in_band = line.top < MARGIN_BAND * page_height or \
        line.bottom > (1 - MARGIN_BAND) * page_height
    return bool(page_height) and in_band and is_running_line(line.text, page_number)


def without_page_furniture(lines: Sequence[TextRow], page_height: float,
                           page_number: int | None) -> list[TextRow]:
    """The lines that are not page furniture. A lone number equal to the page number is
    kept where it stands in a column of item numbers ('2' / '4' / '6' down a commitments
    table): it numbers a row, not the page."""
    return [line for index, line in enumerate(lines)
            if not is_page_furniture(line, page_height, page_number)
            or _in_number_column(lines, index)]


def _in_number_column(lines: Sequence[TextRow], index: int) -> bool:
    line = lines[index]
    if len(line.words) != 1 or not _BARE_NUMBER.fullmatch(line.text):
        return False
    pitch = 2 * (line.bottom - line.top)
    for neighbour in (lines[index - 1] if index else None,
                      lines[index + 1] if index + 1 < len(lines) else None):
        if neighbour is None or abs(neighbour.top - line.top) > pitch:
            continue
        first = neighbour.words[0]
        if abs(first.x0 - line.x0) <= COLUMN_TOLERANCE and _BARE_NUMBER.fullmatch(first.text):
            return True
    return False


def running_text(text: str) -> str:
    """A line's text as a running header recurs page to page (its digits aside)."""
    return re.sub(r"\d+", "#", fold_name(text))


def top_band_texts(words: Sequence[WordBox], page_height: float) -> set[str]:
    """The page's lines in its top band, as `running_text`: what the next page's running
    header would repeat."""
    band = [w for w in words if w.top < TOP_BAND * page_height]
    return {running_text(line.text) for line in text_rows(band)}
