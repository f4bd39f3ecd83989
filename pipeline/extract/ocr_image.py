"""The image work of reading a scanned page (numpy and OpenCV, the `ocr` extra): the page
rendered, or its scanned image enlarged, at the reading's resolution; straightened; binarised;
and its ruling lines found as long runs of ink (they become pdfplumber `line` objects) and
taken out before recognition (pipeline/extract/ocr.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Rule:
    """A ruling line found in the image, in points: horizontal (top == bottom) or vertical."""

    x0: float
    top: float
    x1: float
    bottom: float


def render_page(path: Path, page_index: int, dpi: int) -> Any:
    """The page as a greyscale numpy array at `dpi` (pypdfium2, as pdfplumber bundles it). A
    page that is one scanned image of lower resolution is enlarged from the image's own
    pixels by bicubic interpolation (`scan_image`): pdfium's rendering smooths it more, and
    Tesseract read 151 of 212 figures of a 150 dpi scan's page of 6.5 pt figures at 300 dpi
    so rendered, 188 so enlarged."""
    import numpy as np
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        page = document[page_index]
        enlarged = scan_image(page, dpi)
        if enlarged is not None:
            return enlarged
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        pixels = np.array(bitmap.to_numpy())
    finally:
        document.close()
    return pixels[:, :, 0] if pixels.ndim == 3 else pixels


def scan_image(page: Any, dpi: int) -> Any | None:
    """The page's only object (`_painted`), an upright image covering the page at less than
    `dpi`, as greyscale pixels enlarged bicubically to `dpi`; None for any other page (it is
    rendered)."""
    import cv2
    import numpy as np
    import pypdfium2.raw as pdfium_c

    objects = _painted(page)
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE \
            or page.get_rotation() != 0:
        return None
    image = objects[0]
    width, height = page.get_size()
    matrix = image.get_matrix().get()
    if abs(matrix[1]) > 1e-6 or abs(matrix[2]) > 1e-6 or matrix[0] <= 0 or matrix[3] <= 0 \
            or max(abs(a - b) for a, b in zip(_bounds(image), (0, 0, width, height),
                                             strict=True)) > 1.0:
        return None
    pixels_wide, _ = image.get_px_size()
    size = (round(width * dpi / 72), round(height * dpi / 72))
    if pixels_wide >= size[0]:
        return None
    grey = np.asarray(image.get_bitmap(render=False).to_pil().convert("L"))
    return cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC)


def _painted(page: Any) -> list[Any]:
    """The page's objects but its text, and Form XObjects of text only: a page read by OCR
    shows no text (what text it holds is hidden: drawn invisibly or under its image, as
    another tool's OCR layer is), so its image is the page."""
    import pypdfium2.raw as pdfium_c

    text, form = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_FORM
    return [obj for obj in page.get_objects(max_depth=1) if obj.type != text and not (
        obj.type == form and all(inner.type in (text, form)
                                 for inner in page.get_objects(form=obj)))]


def _bounds(image: Any) -> tuple[float, float, float, float]:
    return (getattr(image, "get_bounds", None) or image.get_pos)()  # pypdfium2 4.x / 3.x


def skew_angle(grey: Any, max_degrees: float = 2.0, step: float = 0.05) -> float:
    """The rotation that makes text rows and rules horizontal: the one whose row profile of
    ink has the most variance (rows of text alternate with white gaps)."""
    import cv2
    import numpy as np

    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    h, w = ink.shape
    centre = (w / 2, h / 2)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-max_degrees, max_degrees + step / 2, step):
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, float(angle), 1.0), (w, h))
        score = float(np.var(turned.sum(axis=1)))
        if score > best_score:
            best, best_score = float(angle), score
    return best


def straighten(grey: Any, angle: float) -> Any:
    import cv2

    if abs(angle) < 1e-6:
        return grey
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def binarise(grey: Any, method: str) -> Any:
    """Ink as 255 on 0."""
    import cv2

    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    if method == "adaptive":
        return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                     cv2.THRESH_BINARY_INV, 31, 15)
    _, ink = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


# A rule is a run of ink at least this long (points): longer than any letter's stroke or
# bracket (a vertical rule crosses at least two table rows).
MIN_HORIZONTAL_RULE = 24.0
MIN_VERTICAL_RULE = 18.0
# A vertical run counts as a rule only when a horizontal rule meets it within this (points):
# the upright of an 'l' or a '1' meets none.
RULE_JOIN = 3.0


def find_rules(ink: Any, dpi: int) -> tuple[list[tuple[int, int, int, int]], Any]:
    """(x0, top, x1, bottom) pixel boxes of the ruling lines, and the ink without them."""
    import cv2
    import numpy as np

    px = dpi / 72

    def runs(kernel: tuple[int, int]) -> Any:
        return cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, kernel))

    horizontal = runs((max(3, int(MIN_HORIZONTAL_RULE * px)), 1))
    vertical = runs((1, max(3, int(MIN_VERTICAL_RULE * px))))
    boxes: list[tuple[int, int, int, int]] = []
    h_boxes = _components(horizontal)
    join = RULE_JOIN * px
    for x0, top, x1, bottom in _components(vertical):
        if any(hx0 - join <= x1 and x0 <= hx1 + join and
               (abs(htop - top) <= join or abs(hbottom - bottom) <= join
                or htop - join <= top <= hbottom + join or htop - join <= bottom <= hbottom + join)
               for hx0, htop, hx1, hbottom in h_boxes):
            boxes.append((x0, top, x1, bottom))
    boxes += short_verticals(runs((1, max(3, int(MIN_SHORT_VERTICAL_RULE * px)))), h_boxes,
                             boxes, px)
    lines = np.zeros_like(ink)
    for x0, top, x1, bottom in h_boxes + boxes:
        lines[top:bottom + 1, x0:x1 + 1] = 255
    cleaned = cv2.subtract(ink, cv2.dilate(lines, np.ones((3, 3), np.uint8)))
    return h_boxes + boxes, cleaned


# A table of one row (the rest of an Analysis table at the top of the next page) has vertical
# rules one row high, shorter than MIN_VERTICAL_RULE: such a run is a rule only when it runs
# from one horizontal rule to another, ending on both (within SHORT_RULE_JOIN points: it is
# drawn joined to them; a pixel or two of blur). A letter keeps a cell's padding from the
# rules (the 2019/20 300 dpi scan's page 9: its Missed Collections Stage 2 row, 12 pt high,
# was read as a line of text and lost).
MIN_SHORT_VERTICAL_RULE = 6.0
SHORT_RULE_JOIN = 0.35


def short_verticals(vertical: Any, h_boxes: list[tuple[int, int, int, int]],
                    found: list[tuple[int, int, int, int]],
                    px: float) -> list[tuple[int, int, int, int]]:
    """The vertical runs of `vertical` (pixel boxes) not already `found` that join two
    horizontal rules of `h_boxes`, top to one and bottom to another."""
    join = SHORT_RULE_JOIN * px

    def ends_on(y: int, x0: int, x1: int) -> bool:
        return any(hx0 - join <= x1 and x0 <= hx1 + join and htop - join <= y <= hbottom + join
                   for hx0, htop, hx1, hbottom in h_boxes)

    return [(x0, top, x1, bottom) for x0, top, x1, bottom in _components(vertical)
            if ends_on(top, x0, x1) and ends_on(bottom, x0, x1)
            and not any(fx0 <= x1 and x0 <= fx1 and ftop <= bottom and top <= fbottom
                        for fx0, ftop, fx1, fbottom in found)]


def _components(mask: Any) -> list[tuple[int, int, int, int]]:
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [(int(x), int(y), int(x + w - 1), int(y + h - 1))
            for x, y, w, h, _area in stats[1:count]]


def rules_in_points(boxes: list[tuple[int, int, int, int]], dpi: int) -> list[Rule]:
    scale = 72 / dpi
    rules = []
    for x0, top, x1, bottom in boxes:
        if x1 - x0 >= bottom - top:  # horizontal: a line at its middle
            y = (top + bottom + 1) / 2 * scale
            rules.append(Rule(x0 * scale, y, (x1 + 1) * scale, y))
        else:
            x = (x0 + x1 + 1) / 2 * scale
            rules.append(Rule(x, top * scale, x, (bottom + 1) * scale))
    return rules
