"""Small pure helpers that turn printed cells and names into typed candidate values.

Every parser takes any string and returns a `ParsedCell`: a value, NULL (printed 'N/A' or
blank), or a rejection reason. None of them raises on bad input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans({c: "-" for c in DASHES})
# Letters that look Latin but are not (a PDF's "Тах" can be Cyrillic); names only.
_HOMOGLYPHS = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "а": "a", "е": "e", "о": "o",
    "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o",
})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
NULL_TOKENS = frozenset({"", "n/a", "na", "n.a.", "-", "--", "none", "not applicable", "nil*"})
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_BRACKETED = re.compile(r"^(?P<current>[^()]*?)\s*\((?P<prior>[^()]*)\)\s*$", re.S)
_YEAR_LABEL = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/]\s*(\d\d(?:\d\d)?)(?!\d)")


@dataclass(frozen=True)
class ParsedCell:
    raw: str
    value: float | None = None
    rejection: str | None = None

    @property
    def is_null(self) -> bool:
        return self.value is None and self.rejection is None


def squash(text: str | None) -> str:
    """Collapse runs of whitespace (including line breaks) to single spaces."""
    return _SPACE.sub(" ", text or "").strip()


def plain_name(text: str | None) -> str:
    """A printed name made presentable: one line, Latin letters, straight quotes, en dashes."""
    text = unicodedata.normalize("NFKC", text or "").translate(_HOMOGLYPHS).translate(_QUOTES)
    # Again after the swaps: a swapped letter composes with a following accent (Cyrillic
    # 'Е' + U+0301 -> 'É'), so that the result is stable under a second pass.
    text = unicodedata.normalize("NFKC", text.translate(_DASH_TABLE))
    return squash(text).replace(" - ", " – ")


# A glyph the PDF maps to no character: pdfminer prints it as '(cid:N)', and the pdfium page
# source the same (Ghostscript's re-embedded fonts lose the en dash, bullet and pound sign).
UNKNOWN_GLYPH = re.compile(r"\(cid:\d+\)")


@lru_cache(maxsize=8192)
def fold_name(text: str | None) -> str:
    """Key for matching names: case, dashes, hyphens, quotes, '&', wrapping all folded, and a
    glyph the PDF maps to no character read as a separator, as dashes are folded anyway
    ('Housing (cid:1) Repairs' is 'Housing – Repairs'; inside a word it splits the word, so
    'T(cid:3)x' is no 'Tax'). Cached: the header vocabulary's phrases are folded again for
    every cell they are matched against."""
    # plain_name twice: lower() can make a look-alike the table knows only in lower case
    # (Komi 'Ԁ' -> 'ԁ' -> 'd').
    text = UNKNOWN_GLYPH.sub(" ", text or "")
    text = plain_name(plain_name(text).lower()).replace("–", " ").replace("-", " ")
    text = text.replace("&", " and ").replace("'", "")
    return squash(text)


def _number_text(raw: str) -> str:
    return squash(unicodedata.normalize("NFKC", raw).translate(_DASH_TABLE)).replace(" ", "")


def _null_or(raw: str) -> ParsedCell | None:
    if squash(raw.translate(_DASH_TABLE)).lower() in NULL_TOKENS:  # '–' is '-': NULL
        return ParsedCell(raw)
    return None


def parse_count(raw: str | None) -> ParsedCell:
    """A count of complaints: a non-negative whole number, or NULL."""
    raw = raw or ""
    null = _null_or(raw)
    if null:
        return null
    text = _number_text(raw).replace(",", "")
    if not _NUMBER.match(text):
        return ParsedCell(raw, rejection=f"not a number: {squash(raw)!r}")
    number = float(text)
    if not number.is_integer():
        return ParsedCell(raw, rejection=f"count is not a whole number: {squash(raw)!r}")
    if number < 0:
        return ParsedCell(raw, rejection=f"count is negative: {squash(raw)!r}")
    return ParsedCell(raw, value=number)


def parse_percent(raw: str | None) -> ParsedCell:
    """A percentage 0–100 ('44%' -> 44.0), or NULL."""
    raw = raw or ""
    null = _null_or(raw)
    if null:
        return null
    text = _number_text(raw).rstrip("%")
    if not _NUMBER.match(text):
        return ParsedCell(raw, rejection=f"not a percentage: {squash(raw)!r}")
    number = float(text)
    if not 0.0 <= number <= 100.0:
        return ParsedCell(raw, rejection=f"percentage outside 0-100: {squash(raw)!r}")
    return ParsedCell(raw, value=number)


def parse_signed(raw: str | None, *, percent: bool) -> ParsedCell:
    """A Difference-row value ('+32', '-10%', '0'), or NULL for 'N/A'."""
    raw = raw or ""
    null = _null_or(raw)
    if null:
        return null
    text = _number_text(raw).replace(",", "")
    if percent:
        text = text.rstrip("%")
    if not _NUMBER.match(text):
        return ParsedCell(raw, rejection=f"not a signed number: {squash(raw)!r}")
    number = float(text)
    limit = 100.0 if percent else 10_000_000.0
    if abs(number) > limit:
        return ParsedCell(raw, rejection=f"difference out of range: {squash(raw)!r}")
    return ParsedCell(raw, value=number)


def split_bracketed(raw: str | None) -> tuple[str, str | None]:
    """'218\\n(186)' -> ('218', '186'): a Top Ten cell's current and bracketed prior value."""
    text = (raw or "").strip()
    match = _BRACKETED.match(text)
    if not match:
        return text, None
    return match.group("current").strip(), match.group("prior").strip()


def financial_year(label: str | None) -> str | None:
    """'2018-2019', '2018- 2019', '2018/19' -> '2018/19'; None if no such year is printed."""
    match = _YEAR_LABEL.search(unicodedata.normalize("NFKC", label or "").translate(_DASH_TABLE))
    if not match:
        return None
    start = int(match.group(1))
    end = int(match.group(2)[-2:])
    if (start + 1) % 100 != end:
        return None
    return f"{start}/{end:02d}"


def previous_financial_year(period: str) -> str:
    start = int(period[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


# Characters a note or a cell line opens with as a bullet.
BULLETS = "•▪●◦‣∙·\uf0b7\uf0a7"
_BULLET_START = re.compile(r"^\s*(?:[•▪●◦‣∙·\uf0b7\uf0a7\uf0d8]|-(?=\s))\s*")
_STAGE_IN_TEXT = re.compile(r"\bstage\s*(\d|one|two|three)\b|\bS([123])\b", re.IGNORECASE)


def clean_text(raw: str | None) -> str | None:
    """Cell text as prose: bullets dropped, lines re-joined, line-end hyphens repaired."""
    if raw is None:
        return None
    lines = [_BULLET_START.sub("", line).strip() for line in raw.splitlines()]
    text = ""
    for line in filter(None, lines):
        if not text:
            text = line
        elif re.search(r"\w-$", text[-2:]):  # 'non-' + 'presented': broke after a hyphen
            text += line
        else:
            text += " " + line
    text = re.sub(r"(?<=\w)- (?=[a-z])", "-", text)  # 'non- presented' within one line
    return squash(text) or None


def stage_of(text: str | None) -> int | None:
    """'44% of Stage 2's were upheld' -> 2; the stage a commentary row speaks of."""
    match = _STAGE_IN_TEXT.search(text or "")
    return stage_number(match.group(1) or match.group(2)) if match else None


_STAGE_WORDS = {"one": 1, "two": 2, "three": 3, "first": 1, "second": 2, "third": 3,
                "1st": 1, "2nd": 2, "3rd": 3, "i": 1, "ii": 2, "iii": 3}


def stage_number(token: str | None) -> int | None:
    """'2', 'two', 'second', '2nd' -> 2; anything else -> None (never raises)."""
    token = (token or "").strip().lower()
    if token in _STAGE_WORDS:
        return _STAGE_WORDS[token]
    return int(token) if token in {"1", "2", "3"} else None
