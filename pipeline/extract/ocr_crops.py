"""Figures read again one word at a time: the alternative readings of a low-resolution scan.

At 100 dpi a figure is a dozen pixels high, and Tesseract reading the whole page reads some of
them wrong ('9' as '6', a minus as a quote). A `CropReading` reads again every figure word of
a page that needs it: the word's box is cut from the page image at the scan's own resolution,
with the page's ruling lines painted out (a rule beside a figure must not read as a '1'),
enlarged (Lanczos), binarised in its own way (Otsu, adaptive, or left grey for Tesseract's
own), and read by Tesseract with its digit settings (the characters a figure cell prints, one
line per word). The crops of a page are stacked into one image, so a page costs one Tesseract
run, not one per word.

The result is the page as the first reading saw it, with each figure word replaced by what
the crop read (or left out when the crop read no figure: a copy of the first reading's
figure would be a second reading agreeing with it, which it is not). It is one more reading
for `pipeline.verify_ocr`: nothing it reads is loaded unless the report's arithmetic confirms
it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.errors import ResourceLimitError
from pipeline.extract.ocr import (
    OcrPage,
    OcrWord,
    Rule,
    figure_token,
    render_page,
    straighten,
    tesseract_data,
)


@dataclass(frozen=True)
class CropReading:
    """Figure words read again: enlargement of the crop and its binarisation."""

    name: str
    scale: int
    binarise: str  # otsu | adaptive | grey


# Measured on the 100 dpi scan of the 2018/19 report, against the first reading's figure words:
# Otsu at 3x disagreed on 7-13 of 54-84 words a page, grey at 3x on 10-24, adaptive at 2x on
# more; whole-page readings at another resolution settle more, so these come after them.
CROP_READINGS = (CropReading("digits-otsu-3x", 3, "otsu"),)

# What a figure cell prints: digits, signs, brackets, percent, 'N/A'. Tesseract reads each
# stacked crop as one line of a block.
DIGITS_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789%-+()N/A."
_FIGURE = re.compile(r"^(?:[(+\-]?\d{1,5}%?\)?|\(?N/A\)?)$")
# A word worth reading again: a figure, or a short word with a digit or sign in it that the
# first reading could not make a figure of ('8B', "'3", '-t').
_FIGURE_ISH = re.compile(r"^[^\sA-Za-z]*[0-9][^\s]{0,4}$|^[(+\-\u201c'][^\s]{1,4}$")
PAD_POINTS = (1.5, 1.0)  # around a word's box: x, y
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
            words.append(replace(word, text=text))
        elif not is_figure(word.text):
            words.append(word)
    return replace(page, words=tuple(words), reading=reading)


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


def _crop(grey: Any, word: OcrWord, dpi: int, reading: CropReading) -> Any:
    import cv2

    scale = dpi / 72
    h, w = grey.shape
    x0 = max(0, int((word.x0 - PAD_POINTS[0]) * scale))
    x1 = min(w, int((word.x1 + PAD_POINTS[0]) * scale) + 1)
    y0 = max(0, int((word.top - PAD_POINTS[1]) * scale))
    y1 = min(h, int((word.bottom + PAD_POINTS[1]) * scale) + 1)
    crop = cv2.resize(grey[y0:y1, x0:x1], None, fx=reading.scale, fy=reading.scale,
                      interpolation=cv2.INTER_LANCZOS4)
    if reading.binarise == "otsu":
        _, crop = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    elif reading.binarise == "adaptive":
        crop = cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                     cv2.THRESH_BINARY, 31, 15)
    return crop


def read_figures_again(path: Path, page_index: int, first: OcrPage, reading: CropReading,
                       seconds: float = 120.0) -> OcrPage:
    """`first` (the page's first reading) with its figure words read again by `reading`."""
    started = time.monotonic()
    dpi = native_dpi(path, page_index)
    grey = straighten(render_page(path, page_index, dpi), first.skew_degrees)
    grey = _without_rules(grey, first.rules, dpi)
    chosen = words_to_read_again(first.words)
    crops = [_crop(grey, first.words[i], dpi, reading) for i in chosen]
    crops = [c for c in crops if c.size]
    if not crops or len(crops) != len(chosen):
        return replace_figures(first, {i: "" for i in chosen}, reading.name)
    texts: list[str] = []
    for batch in canvases([c.shape[0] for c in crops]):
        left = seconds - (time.monotonic() - started)
        if left <= 0:
            raise ResourceLimitError(f"took over {seconds:g}s reading a scanned page")
        texts += _read_canvas([crops[i] for i in batch], dpi * reading.scale, left, seconds)
    reread = dict(zip(chosen, texts, strict=True))
    page = replace_figures(first, reread, reading.name)
    return replace(page, seconds=time.monotonic() - started)
