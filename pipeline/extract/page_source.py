"""The page-source boundary: which parser turns a PDF page into the objects the table
strategies read.

A page source yields, one page at a time, a pdfplumber `Page` whose objects are chars (text,
x0, x1, top, bottom, size, fontname, upright), lines, rects and curves in pdfplumber's
coordinates; the strategies read only those (words, edges and tables come from pdfplumber's
own pure functions over them), so nothing downstream knows which parser ran.

- `pdfminer` — pdfminer.six's content-stream interpreter, through pdfplumber (the reference);
- `pdfium` — pypdfium2 (pdfium, in C) parses the page; pipeline/extract/pdfium_page.py turns
  its characters and paths into the same dicts. About eight times faster per page.

Both open the file's structure (cross-reference, encryption, page tree) with pdfminer, so a
damaged or encrypted file is refused with the same line whichever parser is asked for, and
both bound each page's work before it is parsed.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.layout import LTChar, LTFigure, LTItem, LTPage
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFObjRef, PDFStream, dict_value, resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import ALL_ATTRS, Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.pdfinternals import resolve_and_decode

from pipeline.errors import ResourceLimitError, UnreadablePdfError
from pipeline.extract.limits import MB, PAGE_WORK_HINT, Limits
from pipeline.extract.pdfium_base import HIDING_IMAGE_SHARE, INVISIBLE_RENDER_MODES, PageGeometry
from pipeline.extract.pdfium_chars import FontMetrics, HiddenText
from pipeline.extract.pdfium_page import page_objects

PARSERS = ("pdfium", "pdfminer")
DEFAULT_PARSER = "pdfium"


class PageBudget:
    """Counts a page's content-stream operands and drawn objects (characters, paths, images)
    as the parser meets them, and stops the page when they pass the limit."""

    def __init__(self, limits: Limits, name: str, page: int) -> None:
        self.left = limits.max_page_operations
        self.limits, self.name, self.page = limits, name, page

    def spend(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise ResourceLimitError(
                f"more than {self.limits.max_page_operations} drawing operations on one page",
                file_name=self.name, page=self.page, hint=PAGE_WORK_HINT)


class _BoundedDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's device, counting what it draws (`PageBudget`) and leaving out characters
    a reader never sees: drawn invisibly (`INVISIBLE_RENDER_MODES`), or drawn under an opaque
    image of half the page or more painted over them (`HIDING_IMAGE_SHARE`), as another
    tool's OCR layer is drawn under its scan."""

    budget: PageBudget
    _invisible = False  # the string being shown is drawn invisibly
    see_through = False  # the image being painted is see-through (set by the interpreter)

    def render_string(self, textstate: Any, *args: Any, **kwargs: Any) -> None:
        self._invisible = textstate.render in INVISIBLE_RENDER_MODES
        try:
            super().render_string(textstate, *args, **kwargs)
        finally:
            self._invisible = False

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self.budget.spend()
        advance = super().render_char(*args, **kwargs)
        if self._invisible:
            self.cur_item._objs.pop()  # the character render_char just added
        return advance

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        self.budget.spend()
        super().paint_path(*args, **kwargs)

    def render_image(self, name: str, stream: PDFStream) -> None:
        self.budget.spend()
        super().render_image(name, stream)
        placed = self.cur_item  # the figure that places the image: its box on the page
        page = self._stack[0] if self._stack else placed
        if placed is not page and not self.see_through and _opaque(stream) and \
                placed.width * placed.height >= HIDING_IMAGE_SHARE * page.width * page.height:
            for container in self._stack:
                _drop_chars_within(container, placed.bbox)


_OVERLAP = 1.0  # points a hidden character may stick out of the image (rounding)


def _opaque(stream: PDFStream) -> bool:
    """An image with no transparency of its own: no soft mask, colour-key or stencil mask.
    (The graphics state's is the interpreter's to tell: `_BoundedDevice.see_through`.)"""
    return not any(resolve1(stream.get(key)) for key in ("SMask", "Mask", "ImageMask",
                                                         "SMaskInData"))


def _drop_chars_within(container: Any, box: tuple[float, float, float, float]) -> None:
    """Characters drawn so far inside `box` (in figures too) are taken out of the layout."""
    x0, y0, x1, y1 = box
    kept = []
    for item in container._objs:
        if isinstance(item, LTChar) and item.x0 >= x0 - _OVERLAP and item.x1 <= x1 + _OVERLAP \
                and item.y0 >= y0 - _OVERLAP and item.y1 <= y1 + _OVERLAP:
            continue
        if isinstance(item, LTFigure):
            _drop_chars_within(item, box)
        kept.append(item)
    container._objs[:] = kept


class _BoundedInterpreter(PDFPageInterpreter):
    """Every operand a content stream pushes is counted: a flood of operands with no
    operator would otherwise grow the argument stack without end. Also tells the device
    whether an image is painted see-through by the graphics state (an ExtGState's alpha, soft
    mask or blend mode, which pdfminer does not read), so an image laid over a page as a
    watermark hides nothing."""

    device: _BoundedDevice

    def __init__(self, rsrcmgr: Any, device: _BoundedDevice) -> None:
        super().__init__(rsrcmgr, device)
        self.budget = device.budget

    def push(self, obj: Any) -> None:
        self.budget.spend()
        super().push(obj)

    def init_resources(self, resources: dict[object, object]) -> None:
        super().init_resources(resources)
        self._ext_states = dict_value((resources or {}).get("ExtGState"))

    _inherited_see_through = False  # a Form XObject's interpreter: painted see-through

    def subinterp(self) -> PDFPageInterpreter:
        """A Form XObject's interpreter starts from a fresh state in pdfminer: it is given
        whether the form is painted see-through, as its images are then too."""
        twin = super().subinterp()
        assert isinstance(twin, _BoundedInterpreter)
        twin._inherited_see_through = self._see_through
        return twin

    def init_state(self, ctm: Any) -> None:
        super().init_state(ctm)
        self._see_through = self._inherited_see_through
        self._saved_see_through: list[bool] = []

    def do_q(self) -> None:
        self._saved_see_through.append(self._see_through)
        super().do_q()

    def do_Q(self) -> None:  # noqa: N802 - pdfminer's operator name
        if self._saved_see_through:
            self._see_through = self._saved_see_through.pop()
        super().do_Q()

    def do_gs(self, name: Any) -> None:
        state = dict_value(self._ext_states.get(literal_name(name)))
        if state:
            alpha = resolve1(state.get("ca", 1))
            mask, blend = resolve1(state.get("SMask")), resolve1(state.get("BM"))
            self._see_through = (isinstance(alpha, int | float) and alpha < 1) or \
                (mask is not None and literal_name(mask) != "None") or \
                (blend is not None and literal_name(blend) not in ("Normal", "Compatible"))

    def do_Do(self, xobjid: Any) -> None:  # noqa: N802
        self.device.see_through = self._see_through
        super().do_Do(xobjid)

    def do_EI(self, obj: Any) -> None:  # noqa: N802
        self.device.see_through = self._see_through
        super().do_EI(obj)


_TOKEN = re.compile(rb"[^\s]+")


def check_content(contents: list[Any], limits: Limits, name: str, page: int,
                  count_tokens: bool = False) -> None:
    """Inflate the page's Flate content streams with a cap before a parser inflates them
    whole: a few MB of deflated spaces can inflate to gigabytes. With `count_tokens` (for a
    parser in C that cannot be stopped mid-page), the operands and operators are counted too:
    a page of fewer bytes than twice the limit cannot hold more tokens than it, so only a
    bigger page is scanned, and the scan stops at the limit."""
    left = limits.max_page_content_bytes
    tokens = 0
    for item in contents:
        stream = resolve1(item)
        if not isinstance(stream, PDFStream):
            continue
        filters = stream.get_filters()
        if stream.data is not None or not filters:
            inflated = stream.data if stream.data is not None else (stream.rawdata or b"")
        elif len(filters) != 1 or filters[0][0] not in LITERALS_FLATE_DECODE:
            continue  # other filters: the memory bound still holds
        else:
            try:
                inflated = zlib.decompressobj().decompress(stream.rawdata or b"", left + 1)
            except zlib.error:
                continue  # the parsers have their own repair for broken streams
            left -= len(inflated)
        if left < 0:
            raise ResourceLimitError(
                f"content stream inflates to over {limits.max_page_content_bytes // MB} MB",
                file_name=name, page=page, hint=PAGE_WORK_HINT)
        if count_tokens and len(inflated) >= 2 * (limits.max_page_operations - tokens):
            for _ in _TOKEN.finditer(inflated):
                tokens += 1
                if tokens > limits.max_page_operations:
                    PageBudget(limits, name, page).spend(tokens)
        del inflated


class LeanPage(Page):
    """The pdfminer page source: a pdfplumber Page whose layout pass is bounded, and that
    turns each character into its dict without the generic per-attribute machinery (a
    closure, filter and recursive resolve per key). A character's attributes are plain
    numbers and strings, so the dict is the same (tests/test_document.py compares it with
    pdfplumber's own); about a quarter of the ingest's CPU time is saved."""

    limits: Limits = Limits()
    file_name: str = ""
    strategy_memory: dict[str, Any] | None = None
    # whether the page's characters are `orderable` (cells.py), as the reader found while
    # reading the page's blocks (the aligned strategy asks again); None: not known
    chars_in_order: bool | None = None

    @property
    def layout(self) -> LTPage:
        """pdfplumber's own layout pass, with this page's work bounded."""
        if hasattr(self, "_layout"):
            return self._layout
        name = self.file_name
        check_content(self.page_obj.contents, self.limits, name, self.page_number)
        device = _BoundedDevice(self.pdf.rsrcmgr, pageno=self.page_number,
                                laparams=self.pdf.laparams)
        device.budget = PageBudget(self.limits, name, self.page_number)
        try:
            _BoundedInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        except Exception as cause:  # pdfplumber's own wrapping; _unreadable unwraps it
            raise PdfminerException(cause) from cause
        self._layout = device.get_result()
        return self._layout

    def process_object(self, obj: LTItem) -> dict[str, Any]:
        if type(obj) is not LTChar or isinstance(getattr(obj, "fontname", None), bytes) \
                or self.pdf.unicode_norm is not None:
            return super().process_object(obj)
        attr = {k: v for k, v in obj.__dict__.items() if k in ALL_ATTRS}
        attr["object_type"] = "char"
        attr["page_number"] = self.page_number
        attr["ncs"] = resolve_and_decode(obj.ncs.name)
        attr["text"] = obj.get_text()
        state = obj.graphicstate
        attr["stroking_color"] = state.scolor if isinstance(state.scolor, tuple) \
            else (state.scolor,)
        attr["non_stroking_color"] = state.ncolor if isinstance(state.ncolor, tuple) \
            else (state.ncolor,)
        mb_x0, mb_top = self.mediabox[:2]
        attr["top"] = (self.height - attr["y1"]) + mb_top
        attr["bottom"] = (self.height - attr["y0"]) + mb_top
        attr["doctop"] = self.initial_doctop + attr["top"]
        if mb_x0 != 0:
            attr["x0"] += mb_x0
            attr["x1"] += mb_x0
        return attr


class PdfiumPage(LeanPage):
    """The pdfium page source: the page's geometry from its dictionary, as pdfplumber reads
    it, and its objects from pdfium (pipeline/extract/pdfium_page.py); a page that may hide
    text (drawn invisibly, or under a page image: a scan's OCR layer, mostly) from the
    reference parser (`HiddenText`)."""

    pdfium_document: pdfium.PdfDocument | None = None

    @property
    def objects(self) -> dict[str, list[dict[str, Any]]]:
        if hasattr(self, "_objects"):
            return self._objects
        name, number = self.file_name, self.page_number
        check_content(self.page_obj.contents, self.limits, name, number, count_tokens=True)
        # The fonts first, through pdfminer: a font that cannot be read within the memory
        # bound fails there with MemoryError (the memory-limit line), where pdfium would
        # abort the process.
        metrics = font_metrics(self.pdf, self.page_obj.resources)
        assert self.pdfium_document is not None
        try:
            page = self.pdfium_document[number - 1]
        except pdfium.PdfiumError as cause:
            raise UnreadablePdfError(f"corrupt PDF (page {number}: {cause})",
                                     file_name=name, page=number) from cause
        try:
            textpage = page.get_textpage()
            try:
                geometry = PageGeometry(tuple(self.page_obj.mediabox),  # type: ignore[arg-type]
                                        self.rotation, number, float(self.initial_doctop))
                self._objects = page_objects(page.raw, textpage.raw, geometry,
                                             PageBudget(self.limits, name, number), metrics)
            finally:
                textpage.close()
        except HiddenText:
            pass  # read by the reference parser, below, once pdfium's page is let go
        finally:
            page.close()
        if not hasattr(self, "_objects"):
            self._objects = super().objects
        return self._objects


_FORM_DEPTH = 4  # fonts of Form XObjects nested this deep are read; deeper ones use pdfium's


def font_metrics(pdf: pdfplumber.PDF, resources: Any, depth: int = 0) -> FontMetrics:
    """Each font's descent and name as pdfminer reads them (its font objects, cached per
    document by pdfplumber's resource manager), keyed by the base font name with and without
    its subset prefix, as pdfium may report either."""
    metrics: FontMetrics = {}
    resources = dict_value(resources)
    for font_id, spec in dict_value(resources.get("Font")).items():
        objid = spec.objid if isinstance(spec, PDFObjRef) else None
        try:
            font = pdf.rsrcmgr.get_font(objid, dict_value(spec))
        except MemoryError:
            raise  # the memory bound: the file fails as it would under pdfminer
        except Exception:  # noqa: BLE001 - pdfium's own descent is the fallback
            continue
        known = (font.get_descent(), resolve_and_decode(font.fontname)
                 if not isinstance(font.fontname, str) else font.fontname, font)
        # a font without a BaseFont (Type3) has no name in pdfium
        names = (known[1], known[1].partition("+")[2]) if "BaseFont" in dict_value(spec) \
            else ("",)
        for name in names:
            if name or "BaseFont" not in dict_value(spec):
                metrics.setdefault(name, known)
        del font_id
    if depth < _FORM_DEPTH:
        for xobject in dict_value(resources.get("XObject")).values():
            stream = resolve1(xobject)
            if isinstance(stream, PDFStream) and stream.get("Resources") is not None:
                for name, known in font_metrics(pdf, stream.get("Resources"),
                                                depth + 1).items():
                    metrics.setdefault(name, known)
    return metrics


def open_pdfium(data: bytes) -> pdfium.PdfDocument:
    """pdfium's document over the bytes pdfminer opened (the file is read once)."""
    return pdfium.PdfDocument(data)


PageFactory = Callable[[pdfplumber.PDF, PDFPage, int, float], LeanPage]


def iter_pages(pdf: pdfplumber.PDF, parser: str, limits: Limits, name: str,
               data: bytes | None = None) -> Iterator[LeanPage]:
    """The pages one at a time. `pdf.pages` would build and keep every Page (and with it each
    pdfminer page's content streams) until the document is closed."""
    doctop = 0.0
    strategy_memory: dict[str, Any] = {}  # what a table strategy carries to the next page
    document = open_pdfium(data) if parser == "pdfium" and data is not None else None
    try:
        for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
            if document is not None:
                page: LeanPage = PdfiumPage(pdf, page_obj, page_number=number,
                                            initial_doctop=doctop)
                page.pdfium_document = document  # type: ignore[attr-defined]
            else:
                page = LeanPage(pdf, page_obj, page_number=number, initial_doctop=doctop)
            page.limits, page.file_name = limits, name
            page.strategy_memory = strategy_memory
            doctop += page.height
            yield page
    finally:
        if document is not None:
            document.close()


def pdfium_error_reason(cause: pdfium.PdfiumError) -> str:
    """pdfium's error code in the words of our one-line reasons."""
    code = getattr(cause, "err_code", None)
    if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
        return "encrypted (password-protected)"
    return f"corrupt PDF ({cause})"
