"""Figures read again one word at a time: the alternative readings of a low-resolution scan.

At 100 dpi a figure is a dozen pixels high, and Tesseract reading the whole page reads some of
them wrong ('9' as '6', a minus as a quote). A `CropReading` reads again every figure word of
a page that needs it: the word's glyphs are cut tight from the page image at the scan's own
resolution, with the page's ruling lines painted out (a rule beside a figure must not read as
a '1'), scaled to one glyph height whatever the scan's resolution (bicubic), binarised in
their own way (Otsu, adaptive, or left grey for Tesseract's own), framed in white, and read by
Tesseract with its digit settings (the characters a figure cell prints, one line per word).
The crops of a page are stacked into one image, so a page costs one Tesseract run, not one
per word.

The result is the page as the first reading saw it, with each figure word replaced by what
the crop read (or left out when the crop read no figure: a copy of the first reading's
figure would be a second reading agreeing with it, which it is not). It is one more reading
for `pipeline.verify_ocr`: nothing it reads is loaded unless the report's arithmetic confirms
it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.errors import ResourceLimitError
from pipeline.extract.ocr import OcrPage, OcrWord, figure_token, tesseract_data
from pipeline.extract.ocr_image import Rule, render_page, straighten


@dataclass(frozen=True)
class CropReading:
    """Figure words read again: the height (pixels) a word's glyphs are scaled to, and the
    crop's binarisation."""

    name: str
    glyph_height: int
    binarise: str  # otsu | adaptive | grey


# A word's glyphs cut tight (its own band of ink rows, not its line's: Tesseract's line of a
# table row spans the row below too) and scaled to 40 pixels high, Otsu. Scored word by word
# against the text PDF the scans were made from (2017/18, pages 1, 2, 5, 8, 10): of the
# figure words the first reading misread, these crops read right 21 of 29 at 300 dpi and 15
# of 32 at 150 (the line-high crops enlarged 3x: almost none at 300 dpi, where they read
# 160 of 312 words as nothing); 30 or 50 pixels high, or grey, did no better.
CROP_READINGS = (CropReading("digits-tight-otsu", 40, "otsu"),)

# What a figure cell prints: digits, signs, brackets, percent, 'N/A'. Tesseract reads each
# stacked crop as one line of a block.
DIGITS_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789%-+()N/A."
_FIGURE = re.compile(r"^(?:[(+\-]?\d{1,5}%?\)?|\(?N/A\)?)$")
# A word worth reading again: a figure, or a short word with a digit or sign in it that the
# first reading could not make a figure of ('8B', "'3", '-t').
_FIGURE_ISH = re.compile(r"^[^\sA-Za-z]*[0-9][^\s]{0,4}$|^[(+\-\u201c'][^\s]{1,4}$")
PAD_POINTS = (2.0, 2.5)  # around a word's box, where its glyphs are looked for: x, y
GAP_PIXELS = 24  # white between stacked crops


def is_figure(text: str) -> bool:
    return bool(_FIGURE.match(text))


def worth_reading_again(word: OcrWord) -> bool:
    """A word that is, or may be, a figure."""
    text = word.text
    return is_figure(text) or (len(text) <= 6 and bool(_FIGURE_ISH.match(text)))


# A short word among a row's figures ('i', 'mM', "'3" in a Comparative Data row) is a figure
# the first reading could not make out: read again too, when its line holds this many figures.
ROW_FIGURES = 3


def words_to_read_again(words: tuple[OcrWord, ...]) -> list[int]:
    """The indexes of the words to read again: figures and figure-like words, and short words
    right of the first figure of a line of figures (a table row's cells)."""
    first_figure: dict[tuple[int, int, int], float] = {}
    figures: dict[tuple[int, int, int], int] = {}
    for word in words:
        if is_figure(word.text):
            figures[word.line] = figures.get(word.line, 0) + 1
            first_figure[word.line] = min(first_figure.get(word.line, word.x0), word.x0)
    return [i for i, word in enumerate(words) if worth_reading_again(word) or (
        len(word.text) <= 4 and figures.get(word.line, 0) >= ROW_FIGURES
        and word.x0 > first_figure[word.line])]


# Tesseract refuses an image 32,767 pixels or more in either dimension ('Image too large'): the
# 212 figures of a 300 dpi page of the 2017/18 report, enlarged 3x, stacked 36,216 high.
MAX_CANVAS_HEIGHT = 30_000


def canvases(heights: list[int], limit: int = MAX_CANVAS_HEIGHT,
             gap: int = GAP_PIXELS) -> list[list[int]]:
    """The crops (by index, in order) of each image Tesseract reads: as many to an image as
    fit under `limit` pixels high, stacked `gap` apart (a crop taller than `limit` alone)."""
    batches: list[list[int]] = []
    height = limit
    for index, crop_height in enumerate(heights):
        if not batches or height + crop_height + gap > limit:
            batches.append([])
            height = gap
        batches[-1].append(index)
        height += crop_height + gap
    return batches


def _read_canvas(crops: list[Any], dpi: int, left: float, seconds: float) -> list[str]:
    """One Tesseract run over the crops stacked: the text read in each crop's band."""
    import numpy as np

    bands = stack([c.shape[0] for c in crops])
    canvas = np.full((bands[-1][1] + GAP_PIXELS, max(c.shape[1] for c in crops) + 2 *
                      GAP_PIXELS), 255, np.uint8)
    for crop, (top, bottom) in zip(crops, bands, strict=True):
        canvas[top:bottom, GAP_PIXELS:GAP_PIXELS + crop.shape[1]] = crop
    data = tesseract_data(canvas, f"{DIGITS_CONFIG} --dpi {dpi}", left, seconds)
    words = [(text.strip(), float(data["left"][i]), float(data["top"][i]),
              float(data["top"][i] + data["height"][i]))
             for i, text in enumerate(data["text"]) if text.strip()]
    return texts_by_band(words, bands)


def stack(heights: list[int], gap: int = GAP_PIXELS) -> list[tuple[int, int]]:
    """Where each crop goes in the image of crops, one to a line: (top, bottom) rows, `gap`
    apart. (Side by side, Tesseract runs a line's figures together into one word.)"""
    bands, top = [], gap
    for height in heights:
        bands.append((top, top + height))
        top += height + gap
    return bands


def texts_by_band(words: list[tuple[str, float, float, float]],
                  bands: list[tuple[int, int]], gap: int = GAP_PIXELS) -> list[str]:
    """Recognised (text, left, top, bottom) words -> the text read in each band (its words
    in reading order, joined), '' for a band nothing was read in. A word belongs to the band
    its middle falls in (or within half a gap of it)."""
    found: list[list[tuple[float, str]]] = [[] for _ in bands]
    for text, left, top, bottom in words:
        middle = (top + bottom) / 2
        for index, (low, high) in enumerate(bands):
            if low - gap / 2 <= middle < high + gap / 2:
                found[index].append((left, text))
                break
    return ["".join(text for _, text in sorted(band)) for band in found]


def replace_figures(page: OcrPage, reread: dict[int, str], reading: str) -> OcrPage:
    """The page with word `i` read as `reread[i]`: a figure replaces it; a word the crop read
    no figure in is left out if it was a figure (no copy of the first reading's figure) and
    kept if it was not (it gives no figure either way)."""
    words = []
    for index, word in enumerate(page.words):
        if index not in reread:
            words.append(word)
            continue
        text = figure_token(reread[index])
        if is_figure(text):
            words.append(replace(word, text=with_brackets_of(word.text, text)))
        elif not is_figure(word.text):
            words.append(word)
    return replace(page, words=tuple(words), reading=reading)


def with_brackets_of(first: str, read: str) -> str:
    """A crop's figure with the brackets of the word as the first reading read it, where that
    had any. The brackets say whose figure it is (the Top Ten prints last year's in them),
    and a crop cut tight to a figure's glyphs reads them worst: a '(31%)' read again as '3%'
    became this year's figure in the 2017/18 300 dpi scan's Top Ten, and the row's arithmetic
    failed on it; an 'a)' read again as '1' left a cell '1 1' no one could tell apart."""
    if not (first.startswith("(") or first.endswith(")")):
        return read
    return f"{'(' if first.startswith('(') else ''}{read.strip('()')}" \
           f"{')' if first.endswith(')') else ''}"


def native_dpi(path: Path, page_index: int, fallback: int = 300) -> int:
    """The resolution of the scan's page image (its pixels over the page's width)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(path)
    try:
        page = document[page_index]
        width = page.get_width()
        best = 0.0
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            pixels, _ = image.get_px_size()
            bounds = getattr(image, "get_bounds", None) or image.get_pos  # pypdfium2 4.x / 3.x
            left, _, right, _ = bounds()
            if right - left > width / 2:
                best = max(best, pixels / ((right - left) / 72))
        return round(best) if best >= 50 else fallback
    finally:
        document.close()


def _without_rules(grey: Any, rules: tuple[Rule, ...], dpi: int) -> Any:
    import cv2

    scale = dpi / 72
    clean = grey.copy()
    for rule in rules:
        cv2.rectangle(clean, (int(rule.x0 * scale) - 1, int(rule.top * scale) - 1),
                      (int(rule.x1 * scale) + 1, int(rule.bottom * scale) + 1), 255,
                      thickness=-1)
    return clean


def ink_runs(rows: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, past-the-last) of each run of rows holding ink."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, inked in enumerate([*rows, False]):
        if inked and start is None:
            start = index
        elif not inked and start is not None:
            runs.append((start, index))
            start = None
    return runs


def word_band(runs: Sequence[tuple[int, int]], ink_in_box: Sequence[int]) -> tuple[int, int]:
    """The run of ink rows that is the word's own: the one with the most ink inside the word's
    box (`ink_in_box`: ink pixels per row within the box, 0 outside it). A table row's line
    box also covers the top of the row below, whose glyphs are cut off at the box's edge."""
    return max(runs, key=lambda run: sum(ink_in_box[run[0]:run[1]]))


# A crop's glyphs are framed by this much white (of their height) for Tesseract.
MARGIN = 0.4
# A region whose grey levels span less than this holds no ink (Otsu would split noise).
MIN_CONTRAST = 60


def word_ink(grey: Any, word: OcrWord, dpi: int) -> tuple[Any, Any, int, int] | None:
    """The page image round the word (padded by PAD_POINTS), its ink (Otsu: 1 for ink), and
    the rows [first, last) of the word's own band of ink lines; None where the region holds
    no ink. Bench/ocr_words.py cuts its glyph templates the same way."""
    import cv2
    import numpy as np

    scale = dpi / 72
    h, w = grey.shape
    x0 = max(0, int((word.x0 - PAD_POINTS[0]) * scale))
    x1 = min(w, int((word.x1 + PAD_POINTS[0]) * scale) + 1)
    y0 = max(0, int((word.top - PAD_POINTS[1]) * scale))
    y1 = min(h, int((word.bottom + PAD_POINTS[1]) * scale) + 1)
    region = grey[y0:y1, x0:x1]
    if region.size == 0 or int(region.max()) - int(region.min()) < MIN_CONTRAST:
        return None
    _, ink = cv2.threshold(region, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    box = np.zeros_like(ink)
    top, bottom = int(word.top * scale) - y0, int(word.bottom * scale) - y0 + 1
    left, right = int(word.x0 * scale) - x0, int(word.x1 * scale) - x0 + 1
    box[max(0, top):bottom, max(0, left):right] = 1
    first, last = word_band(ink_runs(list(ink.sum(axis=1) > 0)),
                            [int(n) for n in (ink * box).sum(axis=1)])
    return region, ink, first, last


def _crop(grey: Any, word: OcrWord, dpi: int, reading: CropReading) -> tuple[Any, float]:
    """The word's glyphs cut tight from the page image, scaled to the reading's glyph height
    and framed in white; and the scale it was enlarged by."""
    import cv2
    import numpy as np

    found = word_ink(grey, word, dpi)
    if found is None:
        return grey[:0, :0], 1.0
    region, ink, first, last = found
    columns = np.flatnonzero(ink[first:last].sum(axis=0))
    glyphs = region[first:last, columns[0]:columns[-1] + 1]
    enlarge = reading.glyph_height / max(1, last - first)
    glyphs = cv2.resize(glyphs, None, fx=enlarge, fy=enlarge,
                        interpolation=cv2.INTER_CUBIC if enlarge > 1 else cv2.INTER_AREA)
    if reading.binarise == "otsu":
        _, glyphs = cv2.threshold(glyphs, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    elif reading.binarise == "adaptive":
        glyphs = cv2.adaptiveThreshold(glyphs, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                       cv2.THRESH_BINARY, 31, 15)
    margin = int(reading.glyph_height * MARGIN)
    return cv2.copyMakeBorder(glyphs, margin, margin, margin, margin, cv2.BORDER_CONSTANT,
                              value=255), enlarge


def read_figures_again(path: Path, page_index: int, first: OcrPage, reading: CropReading,
                       seconds: float = 120.0) -> OcrPage:
    """`first` (the page's first reading) with its figure words read again by `reading`."""
    started = time.monotonic()
    dpi = native_dpi(path, page_index)
    grey = straighten(render_page(path, page_index, dpi), first.skew_degrees)
    grey = _without_rules(grey, first.rules, dpi)
    cut = {i: _crop(grey, first.words[i], dpi, reading) for i in words_to_read_again(first.words)}
    # A word with no ink where it was read (a speck gone) is read as nothing.
    reread = {i: "" for i, (crop, _) in cut.items() if not crop.size}
    chosen = [i for i, (crop, _) in cut.items() if crop.size]
    for batch in canvases([cut[i][0].shape[0] for i in chosen]):
        left = seconds - (time.monotonic() - started)
        if left <= 0:
            raise ResourceLimitError(f"took over {seconds:g}s reading a scanned page")
        enlarged = sum(cut[chosen[i]][1] for i in batch) / len(batch)
        texts = _read_canvas([cut[chosen[i]][0] for i in batch], round(dpi * enlarged), left,
                             seconds)
        reread.update(zip((chosen[i] for i in batch), texts, strict=True))
    page = replace_figures(first, reread, reading.name)
    return replace(page, seconds=time.monotonic() - started)
