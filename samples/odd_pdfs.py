"""Small PDFs in the shapes a parser may get wrong, for the parser differential test (issue 15):
a rotated page, a media box not at (0, 0), a table inside a Form XObject, a Type3 font, glyphs
without Unicode, and text drawn twice (fake bold). Each is a one-page "complaints" page with a
ruled table, written byte by byte (no PDF library needed) so the bytes never change. Also
text drawn invisibly over the table, and text drawn under an image of the whole page, as
scans' OCR layers are (not parser differences: both must leave such text out).

    python samples/odd_pdfs.py [OUT_DIR]      # default tests/fixtures/pdfs/odd/
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdfs" / "odd"
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
ROWS = (("Service area", "Received", "Upheld"), ("Repairs", "120", "45%"),
        ("Parking", "80", "30%"), ("Waste", "64", "12%"))
COLUMNS = (60.0, 220.0, 320.0, 420.0)  # x of each vertical rule
ROW_HEIGHT = 20.0


def pdf(objects: list[bytes]) -> bytes:
    """Objects numbered from 1 (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(content), extra, content)


def _text(x: float, y: float, text: str, font: bytes = b"/F1", size: float = 10) -> bytes:
    escaped = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(") \
        .replace(b")", b"\\)")
    return b"BT %s %g Tf %g %g Td (%s) Tj ET" % (font, size, x, y, escaped)


def table_ops(x0: float, top: float, cell: Callable[[int, int, float, float], bytes]) -> bytes:
    """A ruled grid of ROWS whose top-left corner is (x0, top); `cell` draws each cell's
    text at its baseline."""
    dx = x0 - COLUMNS[0]
    bottom = top - ROW_HEIGHT * len(ROWS)
    ops = [b"0.5 w"]
    for row in range(len(ROWS) + 1):
        y = top - row * ROW_HEIGHT
        ops.append(b"%g %g m %g %g l S" % (COLUMNS[0] + dx, y, COLUMNS[-1] + dx, y))
    for x in COLUMNS:
        ops.append(b"%g %g m %g %g l S" % (x + dx, top, x + dx, bottom))
    for r in range(len(ROWS)):
        for c in range(len(ROWS[r])):
            ops.append(cell(r, c, COLUMNS[c] + dx + 4, top - (r + 1) * ROW_HEIGHT + 6))
    return b"\n".join(ops)


def _plain(r: int, c: int, x: float, y: float) -> bytes:
    return _text(x, y, ROWS[r][c])


def _page_text(x: float, top: float) -> bytes:
    return b"\n".join((_text(x, top, "Annual Complaints Report 2021/22", size=16),
                       _text(x, top - 24, "Complaints received by service area this year.")))


def one_page(content: bytes, page_extra: bytes = b"", mediabox: bytes = b"[0 0 595 842]",
             fonts: bytes = b"/F1 5 0 R", more: tuple[bytes, ...] = (),
             xobjects: bytes = b"", states: bytes = b"") -> bytes:
    """Objects: 1 catalog, 2 pages, 3 page, 4 content, 5 Helvetica, 6.. `more`."""
    resources = b"<< /Font << %s >>%s%s >>" % (
        fonts, b" /XObject << %s >>" % xobjects if xobjects else b"",
        b" /ExtGState << %s >>" % states if states else b"")
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox %s %s/Resources %s /Contents 4 0 R >>"
                % (mediabox, page_extra, resources),
                stream(content), HELVETICA, *more])


def rotated() -> bytes:
    """A portrait page shown landscape (/Rotate 90): pdfminer turns its coordinates."""
    content = _page_text(60, 780) + b"\n" + table_ops(60, 720, _plain)
    return one_page(content, page_extra=b"/Rotate 90 ")


def media_box_offset() -> bytes:
    """A media box whose origin is (100, 200): every coordinate is shifted by it."""
    content = b"1 0 0 1 100 200 cm\n" + _page_text(60, 780) + b"\n" + table_ops(60, 720, _plain)
    return one_page(content, mediabox=b"[100 200 695 1042]")


def form_xobject() -> bytes:
    """The table drawn by a Form XObject (own resources, own matrix), placed with a cm."""
    form = table_ops(0, 0, _plain)
    form_object = stream(form, b"/Type /XObject /Subtype /Form /BBox [-100 -200 500 100] "
                               b"/Matrix [1 0 0 1 10 -5] /Resources << /Font << /F1 5 0 R >> >> ")
    content = _page_text(60, 780) + b"\nq 1 0 0 1 50 725 cm /Fm1 Do Q"
    return one_page(content, more=(form_object,), xobjects=b"/Fm1 6 0 R")


def _type3_font(names: bytes, first: int) -> list[bytes]:
    """A Type3 font whose glyphs are filled boxes; `names` for codes from `first`."""
    glyph = stream(b"600 0 0 0 500 700 d1 50 0 400 700 re f")
    count = len(names.split())
    return [b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 600 700] "
            b"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs 7 0 R "
            b"/Encoding << /Type /Encoding /Differences [%d %s] >> "
            b"/FirstChar %d /LastChar %d /Widths [%s] /Resources << >> >>"
            % (first, names, first, first + count - 1, b" ".join([b"600"] * count)),
            b"<< %s >>" % b" ".join(b"/%s 8 0 R" % name for name in names.split()),
            glyph]


def _figures_in(font: bytes) -> Callable[[int, int, float, float], bytes]:
    def cell(r: int, c: int, x: float, y: float) -> bytes:
        return _text(x, y, ROWS[r][c], font=font) if r and c == 1 else _text(x, y, ROWS[r][c])
    return cell


def type3() -> bytes:
    """The Received figures in a Type3 font (glyphs named as digits, so they have Unicode)."""
    names = b"zero one two three four five six seven eight nine"
    content = _page_text(60, 780) + b"\n" + table_ops(60, 720, _figures_in(b"/F3"))
    return one_page(content, fonts=b"/F1 5 0 R /F3 6 0 R", more=tuple(_type3_font(names, 48)))


def no_unicode() -> bytes:
    """The Received figures in a Type3 font whose glyph names say nothing (g0..g9), on codes
    1 to 10 that no base encoding names, with no ToUnicode map: no Unicode for them (pdfminer
    prints `(cid:N)`)."""
    names = b"g0 g1 g2 g3 g4 g5 g6 g7 g8 g9"

    def cell(r: int, c: int, x: float, y: float) -> bytes:
        if r and c == 1:
            codes = b"".join(b"\\%03o" % (int(digit) + 1) for digit in ROWS[r][c])
            return b"BT /F3 10 Tf %g %g Td (%s) Tj ET" % (x, y, codes)
        return _text(x, y, ROWS[r][c])
    content = _page_text(60, 780) + b"\n" + table_ops(60, 720, cell)
    return one_page(content, fonts=b"/F1 5 0 R /F3 6 0 R", more=tuple(_type3_font(names, 1)))


def fake_bold() -> bytes:
    """The title and the header row drawn twice, the second 0.3 pt to the right (fake bold)."""
    def cell(r: int, c: int, x: float, y: float) -> bytes:
        once = _text(x, y, ROWS[r][c])
        return once + b"\n" + _text(x + 0.3, y, ROWS[r][c]) if r == 0 else once
    title = _text(60, 780, "Annual Complaints Report 2021/22", size=16)
    content = b"\n".join((title, _text(60.3, 780, "Annual Complaints Report 2021/22", size=16),
                          _text(60, 756, "Complaints received by service area this year."),
                          table_ops(60, 720, cell)))
    return one_page(content)


def invisible_text() -> bytes:
    """Over each Received figure, another drawn invisibly (text render mode 3, as a scan's OCR
    layer is: here a misreading, the printed figure plus 6); under each Upheld figure, the
    same figure drawn invisibly first (pdfium's text page keeps the first of two identical
    glyphs at one place); and a line drawn as a clip only (mode 7). Each in q/Q: the render
    mode is graphics state, and outlives its BT/ET."""
    def cell(r: int, c: int, x: float, y: float) -> bytes:
        printed = _text(x, y, ROWS[r][c])
        if r and c == 1:
            return printed + b"\nq 3 Tr " + _text(x, y, str(int(ROWS[r][c]) + 6)) + b" Q"
        if r and c == 2:
            return b"q 3 Tr " + _text(x, y, ROWS[r][c]) + b" Q\n" + printed
        return printed
    clipped = b"q 7 Tr " + _text(60, 740, "Stage 1 upheld 99%") + b" Q"
    return one_page(b"\n".join((_page_text(60, 780), clipped, table_ops(60, 720, cell))))


def text_under_image() -> bytes:
    """A line of figures drawn in plain ink, then a white image over the whole page (as some
    OCR tools lay a scan over its recognised words: 'text under the page image'), then the
    page's own text and table over the image, and a small image (a logo) over the second
    line's last word: the line under the page image is hidden; the logo is too small to be
    taken for a page image, so the word under it is kept."""
    image = stream(b"\xff", b"/Type /XObject /Subtype /Image /Width 1 /Height 1 "
                             b"/ColorSpace /DeviceGray /BitsPerComponent 8 ")
    under = _text(60, 700, "Repairs 126 45% Parking 86 30%")
    logo = b"q 30 0 0 14 240 752 cm /Im1 Do Q"  # over 'year.' (x 242-265, y 754-764)
    content = b"\n".join((under, b"q 595 0 0 842 0 0 cm /Im1 Do Q", _page_text(60, 780), logo,
                          table_ops(60, 720, _plain)))
    return one_page(content, more=(image,), xobjects=b"/Im1 6 0 R")


def text_under_see_through_image() -> bytes:
    """A white image over the whole page painted at 30% opacity (an ExtGState's `ca`: a
    watermark), after the page's text and table, and again inside a Form XObject the page
    paints at 30%: everything shows through; nothing is hidden."""
    image = stream(b"\xff", b"/Type /XObject /Subtype /Image /Width 1 /Height 1 "
                             b"/ColorSpace /DeviceGray /BitsPerComponent 8 ")
    form = stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q", b"/Type /XObject /Subtype /Form "
                  b"/BBox [0 0 595 842] /Resources << /XObject << /Im1 6 0 R >> >> ")
    content = b"\n".join((_page_text(60, 780), table_ops(60, 720, _plain),
                          b"q /Faint gs 595 0 0 842 0 0 cm /Im1 Do Q",
                          b"q /Faint gs /Fm1 Do Q"))
    return one_page(content, more=(image, b"<< /Type /ExtGState /ca 0.3 >>", form),
                    xobjects=b"/Im1 6 0 R /Fm1 8 0 R", states=b"/Faint 7 0 R")


ODD: dict[str, Callable[[], bytes]] = {
    "rotated-page.pdf": rotated,
    "media-box-offset.pdf": media_box_offset,
    "form-xobject.pdf": form_xobject,
    "type3-font.pdf": type3,
    "glyphs-without-unicode.pdf": no_unicode,
    "fake-bold.pdf": fake_bold,
    "invisible-text.pdf": invisible_text,
    "text-under-image.pdf": text_under_image,
    "text-under-see-through-image.pdf": text_under_see_through_image,
}


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in ODD.items():
        (out / name).write_bytes(build())
        print(f"{out / name}: {(out / name).stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
