"""A page's characters as pdfium's text page holds them, made into pdfminer's char dicts:
pdfium's own spaces and line ends dropped, its hyphen mark and ligatures undone, each box
pdfminer's (see pipeline/extract/pdfium_page.py)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c

from pipeline.extract.pdfium_base import (
    INVISIBLE_RENDER_MODES,
    Matrix,
    Placer,
    Point,
    apply_matrix,
    mult_matrix,
    pdfium_function,
    text_render_mode,
)

_HYPHEN_MARK = 0x02  # pdfium's code for a hyphen that ends a line
_TEXT_HYPHEN_MARK = 0xFFFE  # ... and its stand-in for one in the page's text
_VOID, _INT = ctypes.c_void_p, ctypes.c_int
# the text page's functions (a character makes four or five calls), and a text object's font
_text_object_of = pdfium_function("FPDFText_GetTextObject", _VOID)
_is_generated = pdfium_function("FPDFText_IsGenerated", _INT)
_map_error = pdfium_function("FPDFText_HasUnicodeMapError", _INT)
_origin_of = pdfium_function("FPDFText_GetCharOrigin", _INT)
_loose_box_of = pdfium_function("FPDFText_GetLooseCharBox", _INT)
_matrix_of = pdfium_function("FPDFText_GetMatrix", _INT)
_font_size_of = pdfium_function("FPDFText_GetFontSize", ctypes.c_double)
_font_of = pdfium_function("FPDFTextObj_GetFont", _VOID)
_GENERATED_CAN_BE = (0x20, 0x0D, 0x0A)  # pdfium generates only spaces and line ends


class HiddenText(Exception):  # noqa: N818 - a signal, not an error
    """The page draws text invisibly (`INVISIBLE_RENDER_MODES`), or paints an image of half
    the page or more after drawing text (`HIDING_IMAGE_SHARE`): text a reader may never see.
    pdfium's text page keeps one glyph of two identical ones drawn at one place, the first
    (where an OCR layer is drawn before the print it repeats, the visible glyph is the one
    dropped), and it keeps text an image hides. Such a page is read by the reference parser,
    which keeps every glyph and leaves out only the hidden ones (page_source.PdfiumPage)."""

# base font name -> (descent per 1 pt, fontname, pdfminer's font object)
FontMetrics = dict[str, tuple[float, str, Any]]


class FontCache:
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


def text_object_key(text_object: Any) -> int:
    """The object's address (what the text page's characters name it by)."""
    return ctypes.addressof(text_object.contents) if text_object else 0


def char_dict(text: str, origin: Point, linear: tuple[float, float, float, float],
               adv: float, fontsize: float, descent: float, fontname: str,
               placer: Placer) -> dict[str, Any]:
    """pdfminer's LTChar box: (0, descent) to (adv, descent + size) in text space."""
    a, b, c, d = linear
    ox, oy = origin
    text_matrix: Matrix = mult_matrix((a, b, c, d, ox, oy), placer.device)
    low = descent * fontsize
    high = low + fontsize
    ta, tb, tc, td, te, tf = text_matrix
    if tb == 0 and tc == 0:  # not rotated: two corners give the box
        x0, x1 = sorted((te, ta * adv + te))
        y0, y1 = sorted((td * low + tf, td * high + tf))
    else:
        corners = [apply_matrix(text_matrix, x, y) for x, y in ((0, low), (adv, low), (0, high),
                                                          (adv, high))]
        x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
        y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
    obj: dict[str, Any] = {"text": text, "fontname": fontname, "adv": adv,
                           "upright": ta * td > 0 and tb * tc <= 0, "matrix": text_matrix,
                           "object_type": "char", "page_number": placer.page_number}
    placer.box(obj, x0, y0, x1, y1)
    obj["size"] = obj["height"]
    return obj


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


class _FlatChars:
    """`_flat_char` with the page's constants looked up once, not once per character (a page
    holds thousands): the same arithmetic, in the same order, so the same floats."""

    def __init__(self, placer: Placer) -> None:
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


def page_chars(textpage: Any, placer: Placer,
           fonts: FontCache) -> tuple[list[dict[str, Any]], list[int]]:
    """The text page's characters in its order, with the text object each belongs to. The
    loop runs once per character (tens of thousands a report): its pdfium calls and names
    are bound to locals. Raises HiddenText at a character drawn invisibly."""
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
    text_object_of, origin_of, loose_box_of, map_error, is_generated, render_mode_of = \
        _text_object_of, _origin_of, _loose_box_of, _map_error, _is_generated, text_render_mode
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
        if common is None:  # the text object's first character
            if render_mode_of(_VOID(key)) in INVISIBLE_RENDER_MODES:
                raise HiddenText
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
            append_char(char_dict(text, (x, y), common.linear, _advance(common.linear, loose),
                                   common.fontsize, common.descent, common.fontname, placer))
        append_key(key)
    return chars, keys


def has_any_text(data: bytes) -> bool:
    """Whether pdfium finds characters on any page, hidden ones included: for the line a file
    in which no character is visible is refused with, read only then."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            try:
                textpage = page.get_textpage()
                try:
                    if textpage.count_chars() > 0:
                        return True
                finally:
                    textpage.close()
            finally:
                page.close()
        return False
    finally:
        document.close()


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
