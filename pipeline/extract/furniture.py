"""Page furniture: running headers, running footers and page numbers.

Recognised by what furniture *is*, not by one producer's wording: a line in the top or bottom
margin band of its page that either is a page number in any common form, or recurs (digits
aside) on many pages in the same band. Pure functions over text lines; no PDF needed.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pipeline.normalise import squash

if TYPE_CHECKING:  # the table strategies (imported by document) use this module too
    from pipeline.extract.document import TextLine

# How much of a page's height counts as its top or bottom margin band.
MARGIN_BAND = 0.13
# A running header or footer recurs on at least this share of the pages (and on 3 or more).
RECURRENCE_SHARE = 0.4

_ROMAN = r"[ivxlc]{1,6}"
_NUMBER = rf"(?:\d{{1,3}}|{_ROMAN})"  # a year (2018) is not a page number
_PAGE_NUMBER = re.compile(
    rf"^[\-–—|\[\(\s]*(?:p(?:age|g)?\.?\s*)?{_NUMBER}(?:\s*(?:of|/|\|)\s*\d{{1,3}})?"
    rf"[\-–—|\]\)\s]*$", re.IGNORECASE)


def is_page_number(text: str) -> bool:
    """'4', 'Page 4', 'Page 4 of 12', '- 4 -', '4/12', 'p. 4', 'iv', '[4]'."""
    return bool(_PAGE_NUMBER.match(squash(text)))


def page_number_suffix(text: str) -> int:
    """How many of the line's last words print a page number ('Report   - 4 -' -> 3,
    'Page 4 of 12' -> 4), 0 if it does not end with one."""
    words = squash(text).split(" ")
    return next((n for n in range(min(4, len(words)), 0, -1)
                 if is_page_number(" ".join(words[-n:]))), 0)


def line_shape(text: str) -> str:
    """The text with every digit run (page numbers, years) made one symbol, case folded."""
    return re.sub(r"\d+", "#", squash(text).lower())


def _band(line: TextLine, page_height: float) -> str | None:
    bottom = line.bottom or line.top
    if line.top < page_height * MARGIN_BAND:
        return "top"
    if bottom > page_height * (1 - MARGIN_BAND):
        return "bottom"
    return None


def furniture_lines(lines: Iterable[TextLine],
                    page_heights: Mapping[int, float]) -> set[TextLine]:
    """The lines that are page furniture rather than report content."""
    candidates: list[tuple[TextLine, str]] = []
    for line in lines:
        height = page_heights.get(line.page)
        if not height:
            continue
        band = _band(line, height)
        if band:
            candidates.append((line, band))
    pages_by_shape: dict[tuple[str, str], set[int]] = defaultdict(set)
    for line, band in candidates:
        pages_by_shape[(band, line_shape(line.text))].add(line.page)
    pages = len(page_heights)
    needed = max(3, math.ceil(RECURRENCE_SHARE * pages))
    furniture = set()
    for line, band in candidates:
        if is_page_number(line.text) or \
                len(pages_by_shape[(band, line_shape(line.text))]) >= needed:
            furniture.add(line)
    return furniture
