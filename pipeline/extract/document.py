"""Read a PDF into an ordered stream of blocks, one page at a time, within limits."""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.layout import LTChar, LTItem, LTPage
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFStream, resolve1
from pdfminer.psparser import PSException
from pdfplumber.page import ALL_ATTRS, Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.table import Table
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.pdfinternals import resolve_and_decode

from pipeline.errors import (
    EncryptedPdfError,
    NotAComplaintsReportError,
    NoTextLayerError,
    PipelineError,
    ResourceLimitError,
    UnreadablePdfError,
)
from pipeline.extract.layout import names_known_table
from pipeline.extract.strategies import STRATEGIES
from pipeline.extract.strategies.ruled import TABLE_SETTINGS as TABLE_SETTINGS
from pipeline.extract.strategies.ruled import closing_rules as _closing_rules  # noqa: F401
from pipeline.normalise import plain_name, squash

Cell = str | None


@dataclass(frozen=True)
class Limits:
    """Bounds on what one file may cost, so a hostile PDF cannot stall a run."""

    max_pages: int = 300
    max_seconds: float = 120.0
    max_file_bytes: int = 200 * 1024 * 1024
    # A complaints report says what it is on its first pages (title, Top Ten table). A long
    # document that has shown no complaints wording or known table within this many pages
    # with text is refused without reading the rest. 0 reads every page.
    evidence_pages: int = 5
    # Memory one extraction process may allocate (`--max-memory`; 0: unbounded, in-process
    # for --workers 1). Enforced by the worker's RLIMIT_DATA (pipeline/workers.py).
    max_memory: int = 1536 * 1024 * 1024
    # Work per page, so the common bombs fail in seconds rather than at the time limit or
    # the memory bound. The densest real page we have seen (the corpus's spreadsheets) has
    # about 22,000 characters, paths and operands; the limit leaves four times that.
    max_page_operations: int = 100_000
    max_page_content_bytes: int = 64 * 1024 * 1024


GridPosition = tuple[int, int]  # (row, column) of the printed cell that covers a grid position


@dataclass(frozen=True)
class TableBlock:
    """A table as found on one page. `rows` holds None where a merged cell covers the
    position; `origins` says which printed cell covers each position, so a header printed
    over two rows with merged (grouped) cells can be read column by column. `strategy` names
    the table strategy that found it (pipeline.extract.strategies)."""

    page: int
    top: float
    bottom: float
    rows: tuple[tuple[Cell, ...], ...]
    x0: float = 0.0
    x1: float = 0.0
    column_x: tuple[float, ...] = ()  # left edge of each column
    origins: tuple[tuple[GridPosition, ...], ...] = ()
    strategy: str = "ruled"


@dataclass(frozen=True)
class TextLine:
    page: int
    top: float
    text: str
    bottom: float = 0.0
    x0: float = 0.0
    x1: float = 0.0


Block = TableBlock | TextLine


@dataclass
class DocumentBlocks:
    file_name: str
    page_count: int
    blocks: list[Block] = field(default_factory=list)
    char_count: int = 0
    page_heights: dict[int, float] = field(default_factory=dict)

    def text_lines(self) -> Iterator[TextLine]:
        return (b for b in self.blocks if isinstance(b, TextLine))


_OPEN_ERRORS = (PdfminerException, PDFSyntaxError, PSException, RecursionError, ValueError,
                KeyError, TypeError, AttributeError, IndexError, AssertionError, OSError, EOFError,
                ZeroDivisionError)


# A font may map a glyph to half of a UTF-16 pair (an Identity map takes any CID for a code
# point). Such a string cannot be encoded as UTF-8, so nothing downstream could store it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(text: Cell) -> Cell:
    return _SURROGATE.sub("\ufffd", text) if text else text


def _inside(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    mid_x = (obj["x0"] + obj["x1"]) / 2
    mid_y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= mid_x <= x1 and top <= mid_y <= bottom for x0, top, x1, bottom in boxes)


MB = 1024 * 1024
MEMORY_HINT = "Raise --max-memory if the file is genuine."
PAGE_WORK_HINT = "No real report page needs this much: the file looks built to exhaust readers."


def memory_limit_error(name: str, limits: Limits, page: int | None = None) -> ResourceLimitError:
    return ResourceLimitError(f"exceeds the memory limit ({limits.max_memory // MB} MB)",
                              file_name=name, page=page, hint=MEMORY_HINT)


class _PageBudget:
    """Counts a page's content-stream operands and drawn objects (characters, paths, images)
    as pdfminer meets them, and stops the page when they pass the limit."""

    def __init__(self, limits: Limits, name: str, page: int) -> None:
        self.left = limits.max_page_operations
        self.limits, self.name, self.page = limits, name, page

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ResourceLimitError(
                f"more than {self.limits.max_page_operations} drawing operations on one page",
                file_name=self.name, page=self.page, hint=PAGE_WORK_HINT)


class _BoundedDevice(PDFPageAggregatorWithMarkedContent):
    budget: _PageBudget

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self.budget.spend()
        return super().render_char(*args, **kwargs)

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        self.budget.spend()
        super().paint_path(*args, **kwargs)

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        self.budget.spend()
        super().render_image(*args, **kwargs)


class _BoundedInterpreter(PDFPageInterpreter):
    """Every operand a content stream pushes is counted: a flood of operands with no
    operator would otherwise grow the argument stack without end."""

    def __init__(self, rsrcmgr: Any, device: _BoundedDevice) -> None:
        super().__init__(rsrcmgr, device)
        self.budget = device.budget

    def push(self, obj: Any) -> None:
        self.budget.spend()
        super().push(obj)


def _check_content_size(contents: list[Any], limits: Limits, name: str, page: int) -> None:
    """Inflate the page's Flate content streams with a cap before pdfminer inflates them
    whole: a few MB of deflated spaces can inflate to gigabytes."""
    left = limits.max_page_content_bytes
    for item in contents:
        stream = resolve1(item)
        if not isinstance(stream, PDFStream) or stream.data is not None:
            continue
        filters = stream.get_filters()
        if len(filters) != 1 or filters[0][0] not in LITERALS_FLATE_DECODE:
            continue  # other filters: the memory bound still holds
        try:
            inflated = zlib.decompressobj().decompress(stream.rawdata or b"", left + 1)
        except zlib.error:
            continue  # pdfminer has its own repair for broken streams
        left -= len(inflated)
        del inflated
        if left < 0:
            raise ResourceLimitError(
                f"content stream inflates to over {limits.max_page_content_bytes // MB} MB",
                file_name=name, page=page, hint=PAGE_WORK_HINT)


class _LeanPage(Page):
    """A pdfplumber Page that turns each character into its dict without the generic
    per-attribute machinery (a closure, filter and recursive resolve per key). A character's
    attributes are plain numbers and strings, so the dict is the same (tests/test_document.py
    compares it with pdfplumber's own); about a quarter of the ingest's CPU time is saved."""

    limits: Limits = Limits()
    file_name: str = ""

    @property
    def layout(self) -> LTPage:
        """pdfplumber's own layout pass, with this page's work bounded."""
        if hasattr(self, "_layout"):
            return self._layout
        name = self.file_name
        _check_content_size(self.page_obj.contents, self.limits, name, self.page_number)
        device = _BoundedDevice(self.pdf.rsrcmgr, pageno=self.page_number,
                                laparams=self.pdf.laparams)
        device.budget = _PageBudget(self.limits, name, self.page_number)
        try:
            _BoundedInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        except Exception as cause:  # pdfplumber's own wrapping; _unreadable unwraps it
            raise PdfminerException(cause) from cause
        self._layout = device.get_result()
        return self._layout
    strategy_memory: dict[str, Any] | None = None

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


@dataclass(frozen=True)
class _CharsOnly:
    """What pdfplumber's Table.extract reads of its page: the characters. Handing it only the
    table's own characters spares it testing every character of the page for every row."""

    chars: list[dict[str, Any]]


def _table_rows(table: Table, page_chars: list[dict[str, Any]]) -> list[list[str | None]]:
    x0, top, x1, bottom = table.bbox
    own = [c for c in page_chars if x0 <= (c["x0"] + c["x1"]) / 2 < x1
           and top <= (c["top"] + c["bottom"]) / 2 < bottom]
    return Table(_CharsOnly(own), table.cells).extract()  # type: ignore[arg-type]


def _origins(table: Table) -> tuple[tuple[float, ...], tuple[tuple[GridPosition, ...], ...]]:
    """Column left edges, and for every grid position the printed cell covering it."""
    cells = table.cells
    xs = sorted({c[0] for c in cells})
    tops = sorted({c[1] for c in cells})
    starts = {(c[1], c[0]): (tops.index(c[1]), xs.index(c[0])) for c in cells}
    grid = []
    for top in tops:
        row = []
        for x in xs:
            origin = starts.get((top, x))
            if origin is None:  # covered by a merged cell that starts above or to the left
                covering = [c for c in cells if c[0] <= x + 0.01 and x + 0.01 < c[2]
                            and c[1] <= top + 0.01 and top + 0.01 < c[3]]
                origin = starts[(covering[0][1], covering[0][0])] if covering else \
                    (tops.index(top), xs.index(x))
            row.append(origin)
        grid.append(tuple(row))
    return tuple(xs), tuple(grid)




def _page_blocks(page: Page, page_no: int) -> tuple[list[Block], int]:
    page_chars = page.chars
    chars = len(page_chars)
    if not chars:
        return [], 0
    blocks: list[Block] = []
    boxes: list[tuple[float, float, float, float]] = []
    rest: Page = page  # the page without the tables found so far
    lines: list[dict[str, Any]] | None = None
    for strategy in STRATEGIES.values():
        if strategy.needs_text:
            lines = _text_lines(rest) if lines is None else lines
            if not strategy.wanted([line["text"] for line in lines], page):
                continue
        found = 0
        for table in strategy.find(rest, page):
            rows = tuple(tuple(_storable(cell) for cell in row)
                         for row in _table_rows(table, page_chars))
            if not rows:
                continue
            found += 1
            boxes.append(table.bbox)
            column_x, origins = _origins(table)
            blocks.append(TableBlock(page_no, table.bbox[1], table.bbox[3], rows,
                                     table.bbox[0], table.bbox[2], column_x, origins,
                                     strategy.name))
        if found:
            rest = page.filter(lambda obj: obj.get("object_type") != "char"
                               or not _inside(obj, boxes))
            lines = None
    for line in _text_lines(rest) if lines is None else lines:
        text = squash(_storable(line["text"]))
        if text:
            blocks.append(TextLine(page_no, line["top"], text, line["bottom"], line["x0"],
                                   line["x1"]))
    blocks.sort(key=lambda b: b.top)
    return blocks, chars


def _text_lines(page: Page) -> list[dict[str, Any]]:
    return page.extract_text_lines(return_chars=False)


def read_blocks(path: Path, limits: Limits = Limits()) -> DocumentBlocks:
    """Every table and every line of text outside tables, in reading order, with its page."""
    name = path.name
    size = path.stat().st_size
    if size == 0:
        raise UnreadablePdfError("empty file (0 bytes)", file_name=name)
    if size > limits.max_file_bytes:
        raise ResourceLimitError(f"file is {size} bytes, over the {limits.max_file_bytes} limit",
                                 file_name=name)
    started = time.monotonic()
    # The stream is ours, not pdfplumber's: PDF.close() would re-walk the whole page tree just
    # to close Page objects that _pages() has already closed and let go of.
    with path.open("rb") as stream:
        if b"%PDF-" not in stream.read(1024):
            raise UnreadablePdfError("not a PDF (no %PDF header)", file_name=name)
        stream.seek(0)
        try:
            pdf = pdfplumber.open(stream)
            return _read_pages(pdf, name, limits, started)
        except (PDFPasswordIncorrect, PDFEncryptionError) as cause:
            raise EncryptedPdfError("encrypted (password-protected)", file_name=name) from cause
        except MemoryError:  # the worker's bound: let the frames (and their memory) go
            raise memory_limit_error(name, limits) from None
        except _OPEN_ERRORS as cause:
            if isinstance(_inner(cause), MemoryError):
                raise memory_limit_error(name, limits) from None
            raise _unreadable(cause, name) from cause


def _pages(pdf: pdfplumber.PDF, limits: Limits = Limits(), name: str = "") -> Iterator[Page]:
    """The pages one at a time. `pdf.pages` would build and keep every Page (and with it each
    pdfminer page's content streams) until the document is closed."""
    doctop = 0.0
    strategy_memory: dict[str, Any] = {}  # what a table strategy carries to the next page
    for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
        page = _LeanPage(pdf, page_obj, page_number=number, initial_doctop=doctop)
        page.limits, page.file_name = limits, name
        page.strategy_memory = strategy_memory
        doctop += page.height
        yield page


def _check_time(started: float, limits: Limits, name: str, page: int | None = None) -> None:
    """The per-page bound; the alarm in run.py also interrupts a single slow page."""
    if time.monotonic() - started > limits.max_seconds:
        raise ResourceLimitError(f"took over {limits.max_seconds:g}s", file_name=name, page=page)


def _read_pages(pdf: pdfplumber.PDF, name: str, limits: Limits, started: float) -> DocumentBlocks:
    page_count = sum(1 for _ in PDFPage.create_pages(pdf.doc))
    if page_count == 0:
        raise UnreadablePdfError("corrupt PDF (no readable pages)", file_name=name)
    if page_count > limits.max_pages:
        raise ResourceLimitError(f"{page_count} pages, over the {limits.max_pages}-page limit",
                                 file_name=name)
    document = DocumentBlocks(name, page_count)
    pages_with_text = 0
    shows_report = False
    for index, page in enumerate(_pages(pdf, limits, name), start=1):
        _check_time(started, limits, name, index)
        try:
            blocks, chars = _page_blocks(page, index)
        finally:
            page.close()  # release the page's parsed objects: memory stays flat on long files
        document.blocks.extend(blocks)
        document.page_heights[index] = float(page.height)
        document.char_count += chars
        pages_with_text += chars > 0
        shows_report = shows_report or _shows_report(blocks)
        if (not shows_report and limits.evidence_pages and index < page_count
                and pages_with_text >= limits.evidence_pages):
            raise NotAComplaintsReportError(
                f"not a complaints report (no complaints wording or table in its first "
                f"{index} of {page_count} pages)", file_name=name)
    _check_time(started, limits, name)
    if document.char_count == 0:
        raise NoTextLayerError("no text layer", file_name=name)
    return document


def _shows_report(blocks: list[Block]) -> bool:
    """Evidence, deliberately weak so no real report is ever refused early: a table whose
    header the vocabulary knows, or the word 'complaint' anywhere (look-alike letters folded)."""
    for block in blocks:
        if isinstance(block, TableBlock):
            if names_known_table(block.rows):
                return True
            texts = [cell for row in block.rows for cell in row if cell]
        else:
            texts = [block.text]
        if any("complaint" in plain_name(text).lower() for text in texts):
            return True
    return False


def _inner(cause: BaseException) -> object:
    """What pdfplumber's PdfminerException wraps (the error itself otherwise)."""
    return cause.args[0] if isinstance(cause, PdfminerException) and cause.args else cause


def _unreadable(cause: BaseException, name: str) -> PipelineError:
    """pdfplumber wraps pdfminer's errors; unwrap to tell encryption from corruption."""
    inner = _inner(cause)
    if isinstance(inner, PipelineError):  # e.g. the time limit, raised inside pdfminer
        return inner
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedPdfError("encrypted (password-protected)", file_name=name)
    if not isinstance(inner, BaseException):
        inner = cause
    return UnreadablePdfError(f"corrupt PDF ({_describe(inner)})", file_name=name)


def _describe(cause: BaseException) -> str:
    if isinstance(cause, RecursionError):
        return "cross-reference loop"
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text[:80]}" if text else type(cause).__name__
