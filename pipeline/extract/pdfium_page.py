"""A page read by pdfium (pypdfium2), as the char, line, rect and curve dicts pdfplumber's own
table and word functions read: the same keys and coordinates pdfminer's reader gives them.

pdfium parses a page about eight times faster than pdfminer's Python interpreter. What it
reports differently is corrected here, so nothing downstream can tell which parser ran:
- characters pdfium generates itself (a space between words, line ends) are dropped, and a
  space pdfium leaves out (a text object of only a space, as Chromium prints) is put back;
- an end-of-line hyphen comes as U+0002, a ligature as two characters sharing one box;
- a character's box is pdfminer's: from the origin, the advance and the font's descent and
  size, through the text matrix, then pdfminer's page rotation and media-box shift.
Glyph advances come from pdfium's widths (whole 1/1000 em units), so an x can drift by a
fraction of a point along a line; tests/test_page_source.py states the tolerances.

This module walks the page's objects and puts the page together; the characters are read in
pdfium_chars.py, the paths in pdfium_paths.py, and where both land in pdfium_base.py.
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import pypdfium2.raw as pdfium_c

from pipeline.extract.pdfium_base import (
    HIDING_IMAGE_SHARE,
    INVISIBLE_RENDER_MODES,
    Matrix,
    PageGeometry,
    Placer,
    Point,
    apply_matrix,
    mult_matrix,
    pdfium_function,
    text_render_mode,
)
from pipeline.extract.pdfium_chars import (
    FontCache,
    FontMetrics,
    HiddenText,
    char_dict,
    page_chars,
    text_object_key,
)
from pipeline.extract.pdfium_paths import path_objects, path_style

_INT = ctypes.c_int
_kind_of = pdfium_function("FPDFPageObj_GetType", _INT)
_object_matrix_of = pdfium_function("FPDFPageObj_GetMatrix", _INT)
_bounds_of = pdfium_function("FPDFPageObj_GetBounds", _INT)
_TEXT_OBJECT = pdfium_c.FPDF_PAGEOBJ_TEXT


def _object_matrix(page_object: Any) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    _object_matrix_of(page_object, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


Bounds = tuple[float, float, float, float]  # left, bottom, right, top in page space
# Text drawn again this close to where it was drawn (points) is a repeat: fake bold.
_REPEAT_OFFSET = 2.0
_RECENT_TEXT = 8  # text objects a repeat is looked for among


@dataclass
class _Walk:
    """What one pass over the page objects finds: paths, the spaces pdfium's text page
    leaves out (keyed by the text object that follows them), and the text objects it leaves
    out as repeats of one drawn just before (fake bold), as offsets from that one."""

    paths: list[dict[str, Any]] = field(default_factory=list)
    spaces: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    repeats: dict[int, list[Point]] = field(default_factory=dict)
    # the last text objects with characters, (key, object), whose bounds are asked for only
    # when a text object without any follows (most never are)
    recent: deque[tuple[int, Any]] = field(default_factory=lambda: deque(maxlen=_RECENT_TEXT))
    order: dict[int, int] = field(default_factory=dict)  # text object -> place in the stream
    images: list[dict[str, Any]] = field(default_factory=list)
    bounds: dict[int, Bounds] = field(default_factory=dict)  # of recent text objects
    text_seen: bool = False  # a text object was met (an image after it may hide it)

    def newest_bounds(self) -> Iterator[tuple[int, Bounds]]:
        """The recent text objects' bounds, the newest first."""
        for key, page_object in reversed(self.recent):
            known = self.bounds.get(key)
            if known is None:
                known = self.bounds[key] = _bounds(page_object)
            yield key, known




def _walk(page: Any, placer: Placer, fonts: FontCache, budget: Any,
          with_chars: set[int], page_area: float) -> _Walk:
    """Paths, and what to make of the text objects pdfium's text page kept no character of
    (`with_chars` holds those it kept characters of). Raises HiddenText at a text object
    drawn invisibly, or at an image of `HIDING_IMAGE_SHARE` of `page_area` or more painted
    after text."""
    walk = _Walk()
    pending: list[dict[str, Any]] = []

    def visit(page_object: Any, parent: Matrix) -> None:
        budget.spend()
        kind = _kind_of(page_object)
        if kind == _TEXT_OBJECT:  # most objects: their matrix is wanted only for a lost space
            walk.text_seen = True
            key = text_object_key(page_object)
            if key in with_chars:
                walk.order[key] = len(walk.order)
                walk.recent.append((key, page_object))
                if pending:
                    walk.spaces[key] = list(pending)
                    pending.clear()
                return
            if text_render_mode(page_object) in INVISIBLE_RENDER_MODES:
                raise HiddenText  # one the text page kept no character of
            bounds = _bounds(page_object)
            original = _repeated(bounds, walk.newest_bounds())
            if original is not None:
                walk.repeats.setdefault(original[0], []).append(
                    (bounds[0] - original[1][0], bounds[1] - original[1][1]))
                return
            space = _lost_space(page_object, mult_matrix(_object_matrix(page_object), parent),
                                bounds, placer, fonts)
            if space is not None:
                pending.append(space)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            ctm = mult_matrix(_object_matrix(page_object), parent)
            walk.paths.extend(path_objects(page_object, ctm, placer,
                                            path_style(page_object, ctm)))
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            if walk.text_seen:  # an image is its unit square through its matrix: its area
                a, b, c, d, _, _ = mult_matrix(_object_matrix(page_object), parent)
                if abs(a * d - b * c) >= HIDING_IMAGE_SHARE * page_area:
                    raise HiddenText  # may hide text drawn before it
            walk.images.append(_image_dict(_bounds(page_object), placer))
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            ctm = mult_matrix(_object_matrix(page_object), parent)
            for index in range(pdfium_c.FPDFFormObj_CountObjects(page_object)):
                visit(pdfium_c.FPDFFormObj_GetObject(page_object, index), ctm)

    for index in range(pdfium_c.FPDFPage_CountObjects(page)):
        visit(pdfium_c.FPDFPage_GetObject(page, index), (1, 0, 0, 1, 0, 0))
    return walk


def _image_dict(bounds: Bounds, placer: Placer) -> dict[str, Any]:
    """An image's box, as pdfminer's LTImage gives it (the OCR hook looks for images on a
    page without text)."""
    left, bottom, right, top = bounds
    corners = [apply_matrix(placer.device, x, y) for x, y in ((left, bottom), (right, top),
                                                        (left, top), (right, bottom))]
    obj: dict[str, Any] = {"object_type": "image", "page_number": placer.page_number}
    placer.box(obj, min(p[0] for p in corners), min(p[1] for p in corners),
               max(p[0] for p in corners), max(p[1] for p in corners))
    return obj


# Where pdfium writes an object's bounds: made once, read at once after each call (the
# extraction runs in one thread).
_BOUNDS = tuple(ctypes.c_float() for _ in range(4))
_BOUNDS_REFS = tuple(ctypes.byref(value) for value in _BOUNDS)


def _bounds(page_object: Any) -> Bounds:
    if not _bounds_of(page_object, *_BOUNDS_REFS):
        return (0.0, 0.0, 0.0, 0.0)
    left, bottom, right, top = _BOUNDS
    return (left.value, bottom.value, right.value, top.value)


def _repeated(bounds: Bounds, newest_first: Iterable[tuple[int, Bounds]],
              ) -> tuple[int, Bounds] | None:
    """The recent text object this one repeats: the same size, drawn a little apart."""
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    for key, other in newest_first:
        if abs(other[2] - other[0] - width) < 0.01 and abs(other[3] - other[1] - height) < 0.01 \
                and abs(other[0] - bounds[0]) <= _REPEAT_OFFSET \
                and abs(other[1] - bounds[1]) <= _REPEAT_OFFSET and width > 0:
            return key, other
    return None


def _in_stream_order(chars: list[dict[str, Any]], keys: list[int], order: dict[int, int],
                     spaces: dict[int, list[dict[str, Any]]],
                     ) -> tuple[list[dict[str, Any]], list[int]]:
    """Characters in content-stream order, as pdfminer meets them (pdfium's text page
    reorders the text objects of a rotated page), with the spaces it left out put back
    before the text object that follows them."""
    places = list(map(order.get, keys, repeat(len(order))))  # one lookup a character, in C
    if places != sorted(places):
        ranked = sorted(range(len(chars)), key=places.__getitem__)
        chars, keys = [chars[i] for i in ranked], [keys[i] for i in ranked]
    if not spaces:
        return chars, keys
    # each text object's first character (the last of a key's places, counted backwards,
    # wins): the lost spaces go in there, slices of the rest between them
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    out_chars: list[dict[str, Any]] = []
    out_keys: list[int] = []
    start = 0
    for place, key in sorted((first[key], key) for key in spaces if key in first):
        lost = spaces[key]
        out_chars += chars[start:place]
        out_keys += keys[start:place]
        out_chars += lost
        out_keys += [key] * len(lost)
        start = place
    out_chars += chars[start:]
    out_keys += keys[start:]
    return out_chars, out_keys


def _with_repeats(chars: list[dict[str, Any]], keys: list[int],
                  repeats: dict[int, list[Point]], placer: Placer) -> list[dict[str, Any]]:
    """Each repeated text object's characters again, after its own, moved by the offset."""
    if not repeats:
        return chars
    out: list[dict[str, Any]] = []
    start = 0
    for index in range(len(chars) + 1):
        if index < len(chars) and (index == start or keys[index] == keys[start]):
            continue
        run = chars[start:index]
        out.extend(run)
        for dx, dy in repeats.get(keys[start], ()) if run else ():
            out.extend(_moved(char, dx, dy, placer) for char in run)
        start = index
    return out


def _moved(char: dict[str, Any], dx: float, dy: float, placer: Placer) -> dict[str, Any]:
    a, b, c, d, _, _ = placer.device
    ddx, ddy = a * dx + c * dy, b * dx + d * dy
    moved = dict(char)
    moved["x0"], moved["x1"] = char["x0"] + ddx, char["x1"] + ddx
    moved["y0"], moved["y1"] = char["y0"] + ddy, char["y1"] + ddy
    moved["top"], moved["bottom"] = char["top"] - ddy, char["bottom"] - ddy
    moved["doctop"] = char["doctop"] - ddy
    m = char["matrix"]
    moved["matrix"] = (*m[:4], m[4] + ddx, m[5] + ddy)
    return moved


def _lost_space(text_object: Any, ctm: Matrix, bounds: Bounds, placer: Placer,
                fonts: FontCache) -> dict[str, Any] | None:
    """A text object pdfium's text page kept nothing of and that repeats no other: a space
    drawn on its own (Chromium prints each space as one), which pdfminer reads as ' '."""
    if bounds == (0.0, 0.0, 0.0, 0.0):
        return None
    left, _, right, _ = bounds
    size = ctypes.c_float()
    pdfium_c.FPDFTextObj_GetFontSize(text_object, size)
    a, b, c, d, e, f = ctm
    scale = (a * a + b * b) ** 0.5 or 1.0
    adv = (right - e) / scale if abs(b) < 1e-6 else (right - left) / scale
    descent, fontname, _ = fonts.get(text_object)
    return char_dict(" ", (e, f), (a, b, c, d), max(adv, 0.0), size.value, descent,
                      fontname, placer)


def page_objects(page: Any, textpage: Any, geometry: PageGeometry, budget: Any,
                 metrics: FontMetrics) -> dict[str, list[dict[str, Any]]]:
    """The page's chars, lines, rects and curves as pdfplumber's Page.objects holds them.
    Raises HiddenText on a page whose text may be hidden (`_walk`)."""
    placer = Placer(geometry)
    fonts = FontCache(metrics)
    chars, keys = page_chars(textpage, placer, fonts)
    budget.spend(len(chars))
    x0, y0, x1, y1 = geometry.mediabox
    walk = _walk(page, placer, fonts, budget, set(keys), abs((x1 - x0) * (y1 - y0)))
    chars, keys = _in_stream_order(chars, keys, walk.order, walk.spaces)
    chars = _with_repeats(chars, keys, walk.repeats, placer)
    objects: dict[str, list[dict[str, Any]]] = {}
    if chars:
        objects["char"] = chars
    for obj in walk.paths:
        objects.setdefault(obj["object_type"], []).append(obj)
    if walk.images:
        objects["image"] = walk.images
    return objects
