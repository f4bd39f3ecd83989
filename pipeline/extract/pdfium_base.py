"""What every part of reading a page with pdfium shares: where its objects land (pdfminer's
device space, pdfplumber's top-down page coordinates) and how its C functions are called."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import pypdfium2_raw.bindings as pdfium_bindings

Matrix = tuple[float, float, float, float, float, float]
Point = tuple[float, float]


# Text render modes that paint nothing (PDF 32000 9.3.6): 3 invisible, 7 a clip path only.
# A scanned page's OCR layer (Tesseract's, OCRmyPDF's, a scanner's) is drawn so: it is a
# recogniser's guess at the picture beneath, not what the page shows, so both parsers leave it
# out and the page is read from its image, every figure verified (pipeline/ocr_report.py).
INVISIBLE_RENDER_MODES = frozenset({3, 7})
# An opaque image this share of the page or more, painted over characters, hides them too: a
# scan's page image over its OCR layer ('text under the page image'). A smaller one is left
# alone (a logo over a heading would hide a few letters; none is known in a report).
HIDING_IMAGE_SHARE = 0.5


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


def apply_matrix(m: Matrix, x: float, y: float) -> Point:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def mult_matrix(m1: Matrix, m0: Matrix) -> Matrix:
    """m1 then m0 (pdfminer's mult_matrix order)."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (a0 * a1 + c0 * b1, b0 * a1 + d0 * b1, a0 * c1 + c0 * d1, b0 * c1 + d0 * d1,
            a0 * e1 + c0 * f1 + e0, b0 * e1 + d0 * f1 + f0)


class Placer:
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


def pdfium_function(name: str, restype: Any) -> Any:
    """A private ctypes handle on a pdfium function, called with ctypes objects (the text page
    as a c_void_p) and small ints only: without declared argument types ctypes checks no
    argument's type, and a character makes four or five calls (a third of their cost saved)."""
    function = pdfium_bindings._libs["pdfium"][name]
    function.restype = restype
    return function


# A text object's render mode (INVISIBLE_RENDER_MODES), read by the characters and the walk.
text_render_mode = pdfium_function("FPDFTextObj_GetTextRenderMode", ctypes.c_int)
