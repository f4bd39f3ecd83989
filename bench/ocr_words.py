"""Figure words of a scan, read in several ways and scored word by word against the text PDF
the scan was made from: how much an alternative reading could give the verification before it
is built into the pipeline (issue 14: the 2017/18 scan at 100 dpi).

Each figure word of the first reading (`ocr_crops.words_to_read_again`) is paired with the
text PDF's word at the same place (centres within 6 points; words without one are left out),
and read again by:

- crops: the pipeline's reading of figure crops (`ocr_crops`, one Tesseract run a page);
- LSTM candidates: the same crops read with Tesseract's per-character alternatives
  (`lstm_choice_mode=2`, hOCR), every combination of a word's alternatives (at most 32) a
  candidate, as the verification could take them;
- templates: the report's own glyphs. The figure words the first reading read right (what the
  arithmetic could confirm at best) are cut into glyphs at the scan's resolution; each other
  word is read as the sequence of glyph templates (a figure's grammar: sign or bracket, one to
  three digits, percent, bracket) that matches it best, glyph by glyph, by normalised
  cross-correlation, positions and widths free within a few pixels.

The baseline is the first reading, in the same run. Printed: words right per reading, the
first reading's misses each rescues, and for candidate lists how often the truth is among the
first 1, 3 or 10.

    .venv/bin/python bench/ocr_words.py                       # 2017/18 at 100 dpi, 5 pages
    .venv/bin/python bench/ocr_words.py --year 2017-18 --dpi 150 --pages 1 4
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pdfplumber  # noqa: E402
import pytesseract  # noqa: E402

from pipeline.extract.ocr import (  # noqa: E402
    OcrPage,
    OcrWord,
    figure_token,
    first_reading,
    read_page,
)
from pipeline.extract.ocr_crops import (  # noqa: E402
    CROP_READINGS,
    DIGITS_CONFIG,
    GAP_PIXELS,
    _crop,
    _without_rules,
    canvases,
    native_dpi,
    stack,
    texts_by_band,
    with_brackets_of,
    word_ink,
    words_to_read_again,
)
from pipeline.extract.ocr_image import render_page, straighten  # noqa: E402
from samples import scan  # noqa: E402

TRUTH_DISTANCE = 6.0  # points between word centres
_FIGURE = re.compile(r"^[(+\-]?\d{1,3}%?\)?$")


@dataclass
class FigureWord:
    page: int
    first: str  # as the first reading read it
    truth: str  # the text PDF's word there
    region: Any  # the word's glyphs at the scan's resolution (grey), or None


@dataclass
class Tally:
    """One reading's score over the figure words."""

    right: int = 0
    rescued: int = 0  # right where the first reading was wrong
    in_top: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 10: 0})
    seconds: float = 0.0

    def add(self, word: FigureWord, candidates: list[str]) -> None:
        best = candidates[0] if candidates else ""
        self.right += best == word.truth
        self.rescued += best == word.truth and word.first != word.truth
        for top in self.in_top:
            self.in_top[top] += word.truth in candidates[:top] or word.first == word.truth


# --- the figure words and their truth ------------------------------------------------------

def truth_of(word: OcrWord, printed: list[dict[str, Any]]) -> str | None:
    """The text PDF's word whose centre is nearest the OCR'd word's, if near enough."""
    def distance(other: dict[str, Any]) -> float:
        return abs((other["x0"] + other["x1"] - word.x0 - word.x1) / 2) + \
            abs((other["top"] + other["bottom"] - word.top - word.bottom) / 2)

    nearest = min(printed, key=distance, default=None)
    return nearest["text"] if nearest is not None and distance(nearest) < TRUTH_DISTANCE \
        else None


def glyph_region(grey: Any, word: OcrWord, dpi: int) -> Any | None:
    """The word's glyphs cut tight from the page at the scan's resolution (its own band of ink
    rows, as ocr_crops cuts them), specks of under 3 pixels left out; None for no ink."""
    found = word_ink(grey, word, dpi)
    if found is None:
        return None
    region, ink, first, last = found
    band, ink = region[first:last], ink[first:last]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    kept = np.isin(labels, [k for k in range(1, count) if stats[k, 4] >= 3])
    rows, columns = np.flatnonzero(kept.sum(axis=1)), np.flatnonzero(kept.sum(axis=0))
    if not len(columns):
        return None
    return band[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


# --- readings --------------------------------------------------------------------------

def stacked(crops: list[Any]) -> tuple[Any, list[tuple[int, int]]]:
    bands = stack([c.shape[0] for c in crops])
    canvas = np.full((bands[-1][1] + GAP_PIXELS, max(c.shape[1] for c in crops) +
                      2 * GAP_PIXELS), 255, np.uint8)
    for crop, (top, bottom) in zip(crops, bands, strict=True):
        canvas[top:bottom, GAP_PIXELS:GAP_PIXELS + crop.shape[1]] = crop
    return canvas, bands


def crop_readings(grey: Any, words: list[OcrWord], dpi: int,
                  choices: bool) -> list[list[str]]:
    """Each word's crop (as ocr_crops cuts it) read by Tesseract: [the text read], or with
    `choices`, every combination of its characters' LSTM alternatives (the read one first)."""
    cut = [_crop(grey, word, dpi, CROP_READINGS[0])[0] for word in words]
    chosen = [i for i, crop in enumerate(cut) if crop.size]
    found: list[list[str]] = [[""] for _ in words]
    for batch in canvases([cut[i].shape[0] for i in chosen]):
        canvas, bands = stacked([cut[chosen[i]] for i in batch])
        if not choices:
            data = pytesseract.image_to_data(canvas, config=f"{DIGITS_CONFIG} --dpi 300",
                                             output_type=pytesseract.Output.DICT)
            read = [(t.strip(), float(data["left"][i]), float(data["top"][i]),
                     float(data["top"][i] + data["height"][i]))
                    for i, t in enumerate(data["text"]) if t.strip()]
            for index, text in zip(batch, texts_by_band(read, bands), strict=True):
                found[chosen[index]] = [text]
            continue
        hocr = pytesseract.image_to_pdf_or_hocr(
            canvas, extension="hocr",
            config=f"{DIGITS_CONFIG} --dpi 300 -c lstm_choice_mode=2 -c hocr_char_boxes=1")
        per_band: list[list[tuple[float, list[list[str]]]]] = [[] for _ in bands]
        for left, top, bottom, symbols in hocr_words(hocr):
            middle = (top + bottom) / 2
            for index, (low, high) in enumerate(bands):
                if low - GAP_PIXELS / 2 <= middle < high + GAP_PIXELS / 2:
                    per_band[index].append((left, symbols))
                    break
        for index, band in zip(batch, per_band, strict=True):
            symbols = [s for _, word_symbols in sorted(band, key=lambda b: b[0])
                       for s in word_symbols]
            found[chosen[index]] = combinations(symbols) or [""]
    return found


_NS = "{http://www.w3.org/1999/xhtml}"
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_CONF = re.compile(r"x_confs ([\d.]+)")


def hocr_words(hocr: bytes) -> list[tuple[float, float, float, list[list[str]]]]:
    """(left, top, bottom, symbols) per word of Tesseract's hOCR; each symbol the character
    read, then its LSTM alternatives of any confidence above 0."""
    words = []
    for span in ElementTree.fromstring(hocr).iter(f"{_NS}span"):
        if span.get("class") != "ocrx_word":
            continue
        box = _BBOX.search(span.get("title", ""))
        symbols: list[list[str]] = []
        for part in span:
            if part.get("title", "").startswith("x_bboxes"):
                symbols.append([part.text or ""])
            elif (part.get("id") or "").startswith("lstm_choices") and symbols:
                symbols[-1] += [c.text or "" for c in part
                                if float((_CONF.search(c.get("title", "")) or [0, 0])[1]) > 0]
        if box:
            words.append((float(box[1]), float(box[2]), float(box[4]), symbols))
    return words


MAX_COMBINATIONS = 32


def combinations(symbols: list[list[str]]) -> list[str]:
    """Every string the symbols' alternatives make (the read one first); when there are more
    than MAX_COMBINATIONS, only the read characters."""
    options = [list(dict.fromkeys(s)) for s in symbols]
    if np.prod([len(o) for o in options]) > MAX_COMBINATIONS:
        options = [o[:1] for o in options]
    return ["".join(p) for p in itertools.product(*options)]


# --- the report's own glyphs as templates --------------------------------------------------

UPSCALE = 4
HEIGHT = 7 * UPSCALE  # a word's band of ink rows is scaled to this (the digits' 7 pixels)
WIDTH_STEPS = (-4, -2, 0, 2, 4)  # a glyph's width may differ from its template's (pixels)
GAP_STEPS = range(-UPSCALE, UPSCALE + 1, 2)  # and its place from the glyph before's end
BEAM = 40  # strings kept per end position


def glyph_class(character: str) -> str:
    return "d" if character.isdigit() else character


def bracketed(text: str) -> bool:
    return "(" in text or ")" in text


def enlarged(region: Any) -> Any:
    """A word's glyphs HEIGHT high (width in proportion), ink positive."""
    factor = HEIGHT / region.shape[0]
    size = (max(1, round(region.shape[1] * factor)), HEIGHT)
    return 255 - cv2.resize(region.astype(np.float32), size, interpolation=cv2.INTER_CUBIC)


@dataclass
class Templates:
    widths: dict[tuple[bool, str], float]  # (bracketed word, glyph class) -> width, HEIGHT high
    glyphs: dict[tuple[bool, str], Any]  # (bracketed word, character) -> mean image


def glyph_widths(confirmed: list[FigureWord]) -> dict[str, float]:
    """Each glyph class's width in a word HEIGHT high, by least squares over the words'
    widths (the digits share one: the report's figures are tabular)."""
    classes = sorted({glyph_class(c) for w in confirmed for c in w.truth})
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(confirmed), len(classes)))
    for row, word in enumerate(confirmed):
        for character in word.truth:
            counts[row, index[glyph_class(character)]] += 1
    solved, *_ = np.linalg.lstsq(counts, [enlarged(w.region).shape[1] for w in confirmed],
                                 rcond=None)
    return {c: max(2.0, float(solved[index[c]])) for c in classes}


def learn_templates(confirmed: list[FigureWord]) -> Templates:
    """Glyph widths per kind of word (bracketed or not: a bracket makes the band taller), then
    each confirmed word cut at its glyphs' widths in proportion and each glyph's cuts
    averaged."""
    widths: dict[tuple[bool, str], float] = {}
    for kind in (False, True):
        words = [w for w in confirmed if bracketed(w.truth) == kind]
        widths |= {(kind, c): w for c, w in glyph_widths(words or confirmed).items()}
    cuts: dict[tuple[bool, str], list[Any]] = {}
    for word in confirmed:
        kind = bracketed(word.truth)
        image = enlarged(word.region)
        factor = image.shape[1] / sum(widths[(kind, glyph_class(c))] for c in word.truth)
        left = 0.0
        for character in word.truth:
            width = widths[(kind, glyph_class(character))]
            cut = image[:, round(left):max(round(left) + 1, round(left + width * factor))]
            cuts.setdefault((kind, character), []).append(
                cv2.resize(cut, (max(1, round(width)), HEIGHT)))
            left += width * factor
    glyphs = {}
    for character in "0123456789%+-()":
        for kind in (False, True):
            found = cuts.get((kind, character))
            if not found and (not kind, character) in cuts and (kind, glyph_class(character)) \
                    in widths:  # a digit no word of this kind showed: the other kind's
                found = [cv2.resize(c, (max(1, round(widths[(kind, glyph_class(character))])),
                                        HEIGHT)) for c in cuts[(not kind, character)]]
            if found:
                glyphs[(kind, character)] = np.mean(found, axis=0)
    return Templates(widths, glyphs)


# A figure, glyph by glyph: what may come at each place ('' for nothing).
GRAMMAR = (("sign", ("", "+", "-", "(")), ("digit", tuple("0123456789")),
           ("digit", ("", *"0123456789")), ("digit", ("", *"0123456789")),
           ("percent", ("", "%")), ("close", ("", ")")))


def read_by_templates(region: Any, kind: bool, templates: Templates) -> list[str]:
    """The figures the word's glyphs may be, best first: every grammar string placed glyph by
    glyph (beam search), scored by the glyphs' cross-correlation weighted by their widths over
    the word's width (ink no glyph covers scores nothing)."""
    image = enlarged(region)
    pad = 2 * UPSCALE
    framed = np.zeros((HEIGHT, image.shape[1] + 2 * pad + 40 * UPSCALE), np.float32)
    framed[:, pad:pad + image.shape[1]] = image
    scores: dict[str, list[tuple[int, Any]]] = {}
    for (template_kind, character), template in templates.glyphs.items():
        if template_kind != kind:
            continue
        scores[character] = []
        for step in WIDTH_STEPS:
            width = max(2, template.shape[1] + step)
            resized = cv2.resize(template, (width, HEIGHT))
            scores[character].append((width, cv2.matchTemplate(
                framed, resized, cv2.TM_CCOEFF_NORMED)[0]))
    beams = [("", pad, 0.0, 0.0)]  # (string, end, sum of score x width, sum of widths)
    for place, options in GRAMMAR:
        grown: dict[tuple[str, int], tuple[str, int, float, float]] = {}
        for text, end, total, widths in beams:
            for character in options:
                if not character:
                    grown.setdefault((text, end), (text, end, total, widths))
                    continue
                if not allowed(text, place, character, kind):
                    continue
                for width, correlation in scores.get(character, ()):
                    for gap in GAP_STEPS:
                        start = end + gap
                        if 0 <= start < len(correlation):
                            beam = (text + character, start + width,
                                    total + float(correlation[start]) * width, widths + width)
                            key = beam[:2]
                            if key not in grown or beam[2] > grown[key][2]:
                                grown[key] = beam
        by_end: dict[int, list[tuple[str, int, float, float]]] = {}
        for beam in grown.values():
            by_end.setdefault(beam[1], []).append(beam)
        beams = [b for kept in by_end.values()
                 for b in sorted(kept, key=lambda b: -b[2])[:BEAM]]
    best: dict[str, float] = {}
    for text, end, total, widths in beams:
        if not text or abs(end - pad - image.shape[1]) > 3 * UPSCALE or \
                kind != (text.startswith("(") and text.endswith(")")):
            continue
        best[text] = max(best.get(text, -1.0), total / max(widths, image.shape[1]))
    return sorted(best, key=lambda t: -best[t])


def allowed(text: str, place: str, character: str, kind: bool) -> bool:
    """Whether `character` may follow `text` at `place` of the grammar."""
    if character in "+-" and kind or character in "()" and not kind:
        return False
    digits = text.lstrip("+-(")
    if place == "digit" and text and not text[-1:].isdigit() and digits:
        return False
    return not (place == "digit" and digits == "0")


# --- the run ----------------------------------------------------------------------------

def page_words(path: Path, page: int, printed: Path) -> tuple[list[FigureWord], list[OcrWord],
                                                                 Any, int, OcrPage]:
    dpi = native_dpi(path, page - 1)
    first = read_page(path, page - 1, first_reading(dpi), 600)
    with pdfplumber.open(printed) as pdf:
        truth_words = pdf.pages[page - 1].extract_words()
    grey = _without_rules(straighten(render_page(path, page - 1, dpi), first.skew_degrees),
                          first.rules, dpi)
    words, boxes = [], []
    for index in words_to_read_again(first.words):
        word = first.words[index]
        truth = truth_of(word, truth_words)
        if truth is not None and _FIGURE.match(truth):
            words.append(FigureWord(page, word.text, truth, glyph_region(grey, word, dpi)))
            boxes.append(word)
    return words, boxes, grey, dpi, first


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", default="2017-18")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--pages", nargs="*", type=int, default=[1, 2, 5, 8, 10])
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    path = scan.OUT / scan.scan_name(args.year, args.dpi)
    started = time.monotonic()
    load = os.getloadavg()[0]
    words: list[FigureWord] = []
    tallies = {name: Tally() for name in ("first reading", "crops", "LSTM candidates",
                                          "templates")}
    first_seconds = 0.0
    for page in args.pages:
        clock = time.monotonic()
        found, boxes, grey, dpi, first = page_words(path, page, scan.source_for(args.year))
        first_seconds += first.seconds
        tallies["first reading"].seconds += time.monotonic() - clock
        for name, choices in (("crops", False), ("LSTM candidates", True)):
            clock = time.monotonic()
            read = crop_readings(grey, boxes, dpi, choices)
            tallies[name].seconds += time.monotonic() - clock
            for word, candidates in zip(found, read, strict=True):
                tallies[name].add(word, list(dict.fromkeys(
                    with_brackets_of(word.first, figure_token(c)) for c in candidates)))
        words += found
    for word in words:
        tallies["first reading"].add(word, [word.first])
    readable = [w for w in words if w.region is not None]
    confirmed = [w for w in readable if w.first == w.truth]
    clock = time.monotonic()
    templates = learn_templates(confirmed)
    for word in words:
        tallies["templates"].add(word, [] if word.region is None else read_by_templates(
            word.region, bracketed(word.first), templates))
    tallies["templates"].seconds = time.monotonic() - clock
    misses = sum(w.first != w.truth for w in words)
    print(f"{path.name}, pages {', '.join(map(str, args.pages))}: {len(words)} figure words "
          f"with a printed word at their place, {misses} misread by the first reading "
          f"(its Tesseract runs {first_seconds:.0f} s); templates from the {len(confirmed)} "
          f"it read right. Load average {load:.1f} at the start, {os.cpu_count()} cores, "
          f"{time.monotonic() - started:.0f} s.")
    print("| reading | right | misses rescued | truth among first 1 / 3 / 10, or first "
          "reading right | seconds |")
    print("|---|---|---|---|---|")
    for name, tally in tallies.items():
        top = " / ".join(f"{tally.in_top[k]}" for k in (1, 3, 10))
        print(f"| {name} | {tally.right}/{len(words)} | {tally.rescued}/{misses} | {top} | "
              f"{tally.seconds:.0f} |")


if __name__ == "__main__":
    main()
