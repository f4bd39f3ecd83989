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
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import pypdfium2.raw as pdfium_c
import pypdfium2_raw.bindings as pdfium_bindings

Matrix = tuple[float, float, float, float, float, float]
Point = tuple[float, float]

_HYPHEN_MARK = 0x02  # pdfium's code for a hyphen that ends a line
_TEXT_HYPHEN_MARK = 0xFFFE  # ... and its stand-in for one in the page's text
# pdfium's bézier segments come as three points; pdfminer's `c` is one operator
_MOVE, _LINE, _BEZIER = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO, \
    pdfium_c.FPDF_SEGMENT_BEZIERTO


@dataclass(frozen=True)
class PageGeometry:
    """Where pdfminer puts a page: its media box and rotation give the matrix from PDF user
    space to pdfminer's device space, and pdfplumber's top-down coordinates follow from it."""

    mediabox: tuple[float, float, float, float]  # x0, y0, x1, y1 as in the PDF
    rotation: int
    page_number: int
    initial_doctop: float

    @property
    def device(self) -> Matrix:
        x0, y0, x1, y1 = self.mediabox
        if self.rotation == 90:
            return (0, -1, 1, 0, -y0, x1)
        if self.rotation == 180:
            return (-1, 0, 0, -1, x1, y1)
        if self.rotation == 270:
            return (0, 1, -1, 0, y1, -x0)
        return (1, 0, 0, 1, -x0, -y0)

    @property
    def plumber_box(self) -> tuple[float, float, float, float]:
        """pdfplumber's normalised, top-down media box (Page.mediabox)."""
        x0, y0, x1, y1 = self.mediabox
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        if self.rotation in (90, 270):
            x0, y0, x1, y1 = y0, x0, y1, x1
        height = y1 - y0
        return (x0, height - y1, x1, height - y0)

    @property
    def height(self) -> float:
        box = self.plumber_box
        return box[3] - box[1]


def _apply(m: Matrix, x: float, y: float) -> Point:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _mult(m1: Matrix, m0: Matrix) -> Matrix:
    """m1 then m0 (pdfminer's mult_matrix order)."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (a0 * a1 + c0 * b1, b0 * a1 + d0 * b1, a0 * c1 + c0 * d1, b0 * c1 + d0 * d1,
            a0 * e1 + c0 * f1 + e0, b0 * e1 + d0 * f1 + f0)


class _Placer:
    """Device points to pdfplumber's top-down page coordinates (Page.process_object)."""

    def __init__(self, geometry: PageGeometry) -> None:
        self.device = geometry.device
        box = geometry.plumber_box
        self.mb_x0, self.mb_top = box[0], box[1]
        self.height = geometry.height
        self.doctop = geometry.initial_doctop
        self.page_number = geometry.page_number

    def box(self, obj: dict[str, Any], x0: float, y0: float, x1: float, y1: float) -> None:
        obj["x0"], obj["y0"], obj["x1"], obj["y1"] = x0 + self.mb_x0, y0, x1 + self.mb_x0, y1
        obj["width"], obj["height"] = x1 - x0, y1 - y0
        obj["top"] = (self.height - y1) + self.mb_top
        obj["bottom"] = (self.height - y0) + self.mb_top
        obj["doctop"] = self.doctop + obj["top"]

    def coord(self, pt: Point) -> Point:
        """pdfplumber's point2coord: a device point to (x, top)."""
        return (self.mb_x0 + pt[0], self.mb_top + self.height - pt[1])


# --- characters ----------------------------------------------------------------------------

# base font name -> (descent per 1 pt, fontname, pdfminer's font object)
FontMetrics = dict[str, tuple[float, str, Any]]


class _FontCache:
    """Descent and name per pdfium font handle (one lookup per font, not per character).
    pdfium rounds a font's descent, or substitutes its own where the font descriptor says 0
    (LibreOffice): the descriptor's, as pdfminer reads it (`metrics`), is used when known."""

    def __init__(self, metrics: FontMetrics) -> None:
        self.metrics = metrics
        self.known: dict[int, tuple[float, str, Any]] = {}

    def get(self, text_object: Any) -> tuple[float, str, Any]:
        key = _font_of(text_object) or 0
        if key not in self.known:
            font = ctypes.cast(key, pdfium_c.FPDF_FONT)
            size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
            buffer = ctypes.create_string_buffer(max(size, 1))
            pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
            name = buffer.value.decode("utf-8", "replace")
            known = self.metrics.get(name)
            if known is None:
                descent = ctypes.c_float()
                pdfium_c.FPDFFont_GetDescent(font, ctypes.c_float(1000.0), descent)
                known = (descent.value / 1000.0, name, None)
            self.known[key] = known
        return self.known[key]


def _text_object_key(text_object: Any) -> int:
    """The object's address (what the text page's characters name it by)."""
    return ctypes.addressof(text_object.contents) if text_object else 0


def _char_dict(text: str, origin: Point, linear: tuple[float, float, float, float],
               adv: float, fontsize: float, descent: float, fontname: str,
               placer: _Placer) -> dict[str, Any]:
    """pdfminer's LTChar box: (0, descent) to (adv, descent + size) in text space."""
    a, b, c, d = linear
    ox, oy = origin
    text_matrix: Matrix = _mult((a, b, c, d, ox, oy), placer.device)
    low = descent * fontsize
    high = low + fontsize
    ta, tb, tc, td, te, tf = text_matrix
    if tb == 0 and tc == 0:  # not rotated: two corners give the box
        x0, x1 = sorted((te, ta * adv + te))
        y0, y1 = sorted((td * low + tf, td * high + tf))
    else:
        corners = [_apply(text_matrix, x, y) for x, y in ((0, low), (adv, low), (0, high),
                                                          (adv, high))]
        x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
        y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
    obj: dict[str, Any] = {"text": text, "fontname": fontname, "adv": adv,
                           "upright": ta * td > 0 and tb * tc <= 0, "matrix": text_matrix,
                           "object_type": "char", "page_number": placer.page_number}
    placer.box(obj, x0, y0, x1, y1)
    obj["size"] = obj["height"]
    return obj


def _own(name: str, restype: Any) -> Any:
    """A private ctypes handle on a pdfium function, called with ctypes objects (the text page
    as a c_void_p) and small ints only: without declared argument types ctypes checks no
    argument's type, and a character makes four or five calls (a third of their cost saved)."""
    function = pdfium_bindings._libs["pdfium"][name]
    function.restype = restype
    return function


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_text_object_of = _own("FPDFText_GetTextObject", _VOID)
_is_generated = _own("FPDFText_IsGenerated", _INT)
_map_error = _own("FPDFText_HasUnicodeMapError", _INT)
_origin_of = _own("FPDFText_GetCharOrigin", _INT)
_loose_box_of = _own("FPDFText_GetLooseCharBox", _INT)
_matrix_of = _own("FPDFText_GetMatrix", _INT)
_font_size_of = _own("FPDFText_GetFontSize", ctypes.c_double)
# ... and on page objects (a text object's font, each object's kind, matrix and bounds)
_font_of = _own("FPDFTextObj_GetFont", _VOID)
_kind_of = _own("FPDFPageObj_GetType", _INT)
_object_matrix_of = _own("FPDFPageObj_GetMatrix", _INT)
_bounds_of = _own("FPDFPageObj_GetBounds", _INT)
# ... and on paths (each path's segments: four calls per point)
_segment_count = _own("FPDFPath_CountSegments", _INT)
_segment_of = _own("FPDFPath_GetPathSegment", pdfium_c.FPDF_PATHSEGMENT)  # a pointer, as is
_point_of = _own("FPDFPathSegment_GetPoint", _INT)
_segment_kind = _own("FPDFPathSegment_GetType", _INT)
_segment_closes = _own("FPDFPathSegment_GetClose", _INT)
_GENERATED_CAN_BE = (0x20, 0x0D, 0x0A)
_TEXT_OBJECT = pdfium_c.FPDF_PAGEOBJ_TEXT  # pdfium generates only spaces and line ends


def _codes(textpage: Any, count: int) -> list[int]:
    """Every character's Unicode in one call. The page text is one UTF-16 unit per character
    only while no character lies outside the BMP or is a control code (a glyph without
    Unicode, pdfium's hyphen mark): otherwise each character is asked for on its own."""
    buffer = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(textpage, 0, count, buffer)
    codes = list(buffer[:count])
    if any(code < 0x20 and code not in (0x0A, 0x0D) or 0xD800 <= code <= 0xDFFF
           or code == _TEXT_HYPHEN_MARK for code in set(codes)):  # each distinct code once
        return [pdfium_c.FPDFText_GetUnicode(textpage, i) for i in range(count)]
    return codes


@dataclass
class _TextObject:
    """What every character of one text object shares. `flat`: (low, high, upright) of an
    unrotated text object's glyph boxes, the bottom and top of a glyph relative to its
    baseline in page units (None when rotated)."""

    linear: tuple[float, float, float, float]
    fontsize: float
    descent: float
    fontname: str
    font: Any  # pdfminer's font object, for glyphs without Unicode (None if unknown)
    flat: tuple[float, float, bool] | None = None

    def __post_init__(self) -> None:
        a, b, c, d = self.linear
        if b == 0 and c == 0 and a != 0:
            low = d * self.descent * self.fontsize
            high = d * (self.descent * self.fontsize + self.fontsize)
            self.flat = (min(low, high), max(low, high), a * d > 0)


def _flat_char(text: str, ox: float, oy: float, width: float, common: _TextObject,
               placer: _Placer) -> dict[str, Any]:
    """_char_dict for an unrotated glyph on an unrotated page: its box is its origin, its
    width along the line (pdfium's loose box) and the text object's low and high."""
    return _FlatChars(placer).char(text, ox, oy, width, common)


class _FlatChars:
    """`_flat_char` with the page's constants looked up once, not once per character (a page
    holds thousands): the same arithmetic, in the same order, so the same floats."""

    def __init__(self, placer: _Placer) -> None:
        self.dx, self.dy = placer.device[4], placer.device[5]
        self.mb_x0, self.mb_top = placer.mb_x0, placer.mb_top
        self.height, self.doctop = placer.height, placer.doctop
        self.page_number = placer.page_number

    def char(self, text: str, ox: float, oy: float, width: float,
             common: _TextObject) -> dict[str, Any]:
        assert common.flat is not None
        low, high, upright = common.flat
        a, b, c, d = common.linear
        e, f = ox + self.dx, oy + self.dy
        x0, x1 = (e, e + width) if a > 0 else (e - width, e)
        y0, y1 = f + low, f + high
        top = (self.height - y1) + self.mb_top
        return {"text": text, "fontname": common.fontname, "adv": width / abs(a),
                "upright": upright, "matrix": (a, b, c, d, e, f), "object_type": "char",
                "page_number": self.page_number, "x0": x0 + self.mb_x0, "y0": y0,
                "x1": x1 + self.mb_x0, "y1": y1, "width": x1 - x0, "height": y1 - y0,
                "top": top, "bottom": (self.height - y0) + self.mb_top,
                "doctop": self.doctop + top, "size": y1 - y0}


def _chars(textpage: Any, placer: _Placer,
           fonts: _FontCache) -> tuple[list[dict[str, Any]], list[int]]:
    """The text page's characters in its order, with the text object each belongs to. The
    loop runs once per character (tens of thousands a report): its pdfium calls and names
    are bound to locals."""
    page = ctypes.cast(textpage, ctypes.c_void_p)  # passed as is to the `_own` functions
    count = pdfium_c.FPDFText_CountChars(textpage)
    codes = _codes(textpage, count)
    chars: list[dict[str, Any]] = []
    keys: list[int] = []
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ox_ref, oy_ref = ctypes.byref(ox), ctypes.byref(oy)
    matrix = pdfium_c.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    loose = pdfium_c.FS_RECTF()
    loose_ref = ctypes.byref(loose)
    shared: dict[int, _TextObject] = {}
    # text objects of one matrix, size and font share one (Chromium draws each word as a
    # text object of its own: thousands a report)
    alike: dict[tuple[Any, ...], _TextObject] = {}
    previous_key, previous_x, previous_y = 0, 0.0, 0.0  # of the last character kept
    fast = placer.device[:4] == (1, 0, 0, 1)  # an unrotated page
    flat_char = _FlatChars(placer).char
    text_object_of, origin_of, loose_box_of, map_error, is_generated = \
        _text_object_of, _origin_of, _loose_box_of, _map_error, _is_generated
    generated_can_be, hyphen_mark = _GENERATED_CAN_BE, _HYPHEN_MARK
    append_char, append_key = chars.append, keys.append
    for index in range(count):
        code = codes[index]
        if code in generated_can_be and is_generated(page, index) == 1:
            continue
        key = text_object_of(page, index)
        if not key:
            continue
        origin_of(page, index, ox_ref, oy_ref)
        loose_box_of(page, index, loose_ref)
        x, y = ox.value, oy.value
        if key == previous_key and x == previous_x and y == previous_y and chars:
            # a ligature: one glyph, two or more characters at one origin (pdfium splits
            # the glyph's box between them): one character, as pdfminer reads the glyph
            _widen(chars[-1], loose.right + placer.device[4] + placer.mb_x0, fast)
            chars[-1]["text"] += chr(code)
            continue
        previous_key, previous_x, previous_y = key, x, y
        common = shared.get(key)
        if common is None:
            _matrix_of(page, index, matrix_ref)
            known = fonts.get(ctypes.c_void_p(key))
            fontsize = _font_size_of(page, index)
            # bit for bit (a -0.0 stays itself): the matrix's scale and turn, the size, and
            # the font's (one tuple per pdfium font)
            features = (bytes(matrix)[:16], fontsize.hex(), id(known))
            common = alike.get(features)
            if common is None:
                common = alike[features] = _TextObject(
                    (matrix.a, matrix.b, matrix.c, matrix.d), fontsize, *known)
            shared[key] = common
        if map_error(page, index) == 1:
            text = _unmapped(common.font, code)
        elif code == hyphen_mark:
            text = "-"
        else:
            text = chr(code)
        if fast and common.flat is not None:
            append_char(flat_char(text, x, y, loose.right - loose.left, common))
        else:
            append_char(_char_dict(text, (x, y), common.linear, _advance(common.linear, loose),
                                   common.fontsize, common.descent, common.fontname, placer))
        append_key(key)
    return chars, keys


def _widen(char: dict[str, Any], right: float, flat: bool) -> None:
    """Stretch a ligature's character to the right edge of its last part (an unrotated
    page; elsewhere the first part's box stands)."""
    if flat and right > char["x1"]:
        char["x1"] = right
        char["width"] = right - char["x0"]


def _unmapped(font: Any, code: int) -> str:
    """A glyph pdfium found no Unicode for (it returns the character code): what pdfminer
    makes of it, from its font's encoding, or its `(cid:N)` placeholder."""
    if font is not None:
        try:
            return str(font.to_unichr(code))
        except Exception:  # noqa: BLE001 - pdfminer's PDFUnicodeNotDefined and kin
            pass
    return f"(cid:{code})"


def _advance(linear: tuple[float, float, float, float], loose: Any) -> float:
    """The glyph's advance in text space, from pdfium's loose box (origin to origin plus
    width along the writing direction) and the text matrix's scale."""
    a, b, _, _ = linear
    if abs(b) < 1e-6 and abs(a) > 1e-6:
        return abs(loose.right - loose.left) / abs(a)
    if abs(a) < 1e-6 and abs(b) > 1e-6:
        return abs(loose.top - loose.bottom) / abs(b)
    scale = (a * a + b * b) ** 0.5 or 1.0
    return abs(loose.right - loose.left) / scale


# --- paths ---------------------------------------------------------------------------------

def _segments(path: Any) -> list[tuple[str, list[Point]]]:
    """pdfium's path as pdfminer's operators (m, l, c, h), points in the path's own space."""
    ops: list[tuple[str, list[Point]]] = []
    count = _segment_count(path)
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    start: Point | None = None
    pending: list[Point] = []
    for index in range(count):
        segment = _segment_of(path, index)
        _point_of(segment, x_ref, y_ref)
        point = (x.value, y.value)
        kind = _segment_kind(segment)
        closes = bool(_segment_closes(segment))
        if kind == _MOVE:
            ops.append(("m", [point]))
            start = point
        elif kind == _BEZIER:
            pending.append(point)
            if len(pending) == 3:
                ops.append(("c", pending))
                pending = []
        elif closes and point == start:
            ops.append(("h", []))  # a closing line back to the start is pdfminer's `h`
            continue
        else:
            ops.append(("l", [point]))
        if closes:
            ops.append(("h", []))
    return ops


def _subpaths(ops: list[tuple[str, list[Point]]]) -> Iterator[list[tuple[str, list[Point]]]]:
    current: list[tuple[str, list[Point]]] = []
    for op in ops:
        if op[0] == "m" and current:
            yield current
            current = []
        current.append(op)
    if current:
        yield current


def _path_objects(path: Any, ctm: Matrix, placer: _Placer,
                  style: dict[str, Any]) -> list[dict[str, Any]]:
    """pdfminer's paint_path: each subpath one line, rect or curve."""
    objects = []
    to_device = _mult(ctm, placer.device)
    for sub in _subpaths(_segments(path)):
        if sub[0][0] != "m":
            continue
        shape = "".join(op for op, _ in sub)
        placed = [[_apply(to_device, x, y) for x, y in points] for _, points in sub]
        first = placed[0][0]  # each point placed once: `pts` and `original` share them
        pts = [points[-1] if points else first for points in placed]
        original = [(op, *points) for (op, _), points in zip(sub, placed, strict=True)]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if shape in ("mlh", "ml"):
            kind, pts = "line", pts[:2]
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or \
                (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
            kind = "rect" if pts[0] == pts[4] and square else "curve"
        else:
            kind = "curve"
        objects.append(_path_dict(kind, pts, original, placer, style))
    return objects


def _path_dict(kind: str, pts: list[Point], original: list[tuple[Any, ...]], placer: _Placer,
               style: dict[str, Any]) -> dict[str, Any]:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    obj: dict[str, Any] = {**style, "object_type": kind, "page_number": placer.page_number}
    if kind == "rect":  # LTRect's box is its two opposite corners
        (x0, y0), (x1, y1) = pts[0], pts[2]
        xs, ys = [x0, x1], [y0, y1]
    placer.box(obj, min(xs), min(ys), max(xs), max(ys))
    # placer.coord, inlined (the same sums): a page's rules have thousands of points
    left, base = placer.mb_x0, placer.mb_top + placer.height
    obj["pts"] = [(left + x, base - y) for x, y in pts]
    obj["path"] = [(op, *[(left + x, base - y) for x, y in points])
                   for op, *points in original]
    return obj


def _path_style(path: Any, ctm: Matrix) -> dict[str, Any]:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(path, fill_mode, stroke)
    width = ctypes.c_float()
    pdfium_c.FPDFPageObj_GetStrokeWidth(path, width)
    # pdfminer keeps the line width in user space (gstate.linewidth): undo the scale pdfium
    # applies with the object's matrix
    return {"linewidth": width.value, "stroke": bool(stroke.value),
            "fill": fill_mode.value != 0, "evenodd": fill_mode.value == 1,
            "stroking_color": None, "non_stroking_color": None, "dash": None}


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

    def newest_bounds(self) -> Iterator[tuple[int, Bounds]]:
        """The recent text objects' bounds, the newest first."""
        for key, page_object in reversed(self.recent):
            known = self.bounds.get(key)
            if known is None:
                known = self.bounds[key] = _bounds(page_object)
            yield key, known




def _walk(page: Any, placer: _Placer, fonts: _FontCache, budget: Any,
          with_chars: set[int]) -> _Walk:
    """Paths, and what to make of the text objects pdfium's text page kept no character of
    (`with_chars` holds those it kept characters of)."""
    walk = _Walk()
    pending: list[dict[str, Any]] = []

    def visit(page_object: Any, parent: Matrix) -> None:
        budget.spend()
        kind = _kind_of(page_object)
        if kind == _TEXT_OBJECT:  # most objects: their matrix is wanted only for a lost space
            key = _text_object_key(page_object)
            if key in with_chars:
                walk.order[key] = len(walk.order)
                walk.recent.append((key, page_object))
                if pending:
                    walk.spaces[key] = list(pending)
                    pending.clear()
                return
            bounds = _bounds(page_object)
            original = _repeated(bounds, walk.newest_bounds())
            if original is not None:
                walk.repeats.setdefault(original[0], []).append(
                    (bounds[0] - original[1][0], bounds[1] - original[1][1]))
                return
            space = _lost_space(page_object, _mult(_object_matrix(page_object), parent),
                                bounds, placer, fonts)
            if space is not None:
                pending.append(space)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            ctm = _mult(_object_matrix(page_object), parent)
            walk.paths.extend(_path_objects(page_object, ctm, placer,
                                            _path_style(page_object, ctm)))
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            walk.images.append(_image_dict(_bounds(page_object), placer))
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            ctm = _mult(_object_matrix(page_object), parent)
            for index in range(pdfium_c.FPDFFormObj_CountObjects(page_object)):
                visit(pdfium_c.FPDFFormObj_GetObject(page_object, index), ctm)

    for index in range(pdfium_c.FPDFPage_CountObjects(page)):
        visit(pdfium_c.FPDFPage_GetObject(page, index), (1, 0, 0, 1, 0, 0))
    return walk


def _image_dict(bounds: Bounds, placer: _Placer) -> dict[str, Any]:
    """An image's box, as pdfminer's LTImage gives it (the OCR hook looks for images on a
    page without text)."""
    left, bottom, right, top = bounds
    corners = [_apply(placer.device, x, y) for x, y in ((left, bottom), (right, top),
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
                  repeats: dict[int, list[Point]], placer: _Placer) -> list[dict[str, Any]]:
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


def _moved(char: dict[str, Any], dx: float, dy: float, placer: _Placer) -> dict[str, Any]:
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


def _lost_space(text_object: Any, ctm: Matrix, bounds: Bounds, placer: _Placer,
                fonts: _FontCache) -> dict[str, Any] | None:
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
    return _char_dict(" ", (e, f), (a, b, c, d), max(adv, 0.0), size.value, descent,
                      fontname, placer)


def page_objects(page: Any, textpage: Any, geometry: PageGeometry, budget: Any,
                 metrics: FontMetrics) -> dict[str, list[dict[str, Any]]]:
    """The page's chars, lines, rects and curves as pdfplumber's Page.objects holds them."""
    placer = _Placer(geometry)
    fonts = _FontCache(metrics)
    chars, keys = _chars(textpage, placer, fonts)
    budget.spend(len(chars))
    walk = _walk(page, placer, fonts, budget, set(keys))
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
