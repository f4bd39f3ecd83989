"""Read a PDF into an ordered stream of blocks, one page at a time, within limits."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.page import FilteredPage, Page
from pdfplumber.table import Table
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.errors import (
    EncryptedPdfError,
    NotAComplaintsReportError,
    NoTextLayerError,
    PipelineError,
    ResourceLimitError,
    UnreadablePdfError,
)
from pipeline.extract.cells import (
    WORDS,
    CharIndex,
    LazyTextLines,
    orderable,
    outside,
    table_rows,
)
from pipeline.extract.layout import names_known_table
from pipeline.extract.limits import MB, Limits
from pipeline.extract.ocr_pages import no_text_hint, ocr_out_of_time, ocr_scanned_page
from pipeline.extract.page_break import measure_page_break
from pipeline.extract.page_source import DEFAULT_PARSER, PARSERS, LeanPage, iter_pages
from pipeline.extract.pdfium_chars import has_any_text
from pipeline.extract.strategies import STRATEGIES
from pipeline.extract.strategies.ruled import TABLE_SETTINGS as TABLE_SETTINGS
from pipeline.extract.strategies.ruled import closing_rules as _closing_rules  # noqa: F401
from pipeline.normalise import plain_name, squash

_LeanPage = LeanPage  # the pdfminer page source's page (tests compare its chars)
DEFAULT_LIMITS = Limits()

Cell = str | None


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
    # where each cell's text ends in the last row (None: empty or merged), and that row's line
    # pitch: a cell the page foot cut ends near it
    last_row_bottoms: tuple[float | None, ...] = ()
    last_row_pitch: float | None = None
    # how much further each cell's last line in the last row could have run, and the width of
    # each cell's first word in the first rows: a paragraph cut by the page foot fills its line
    last_line_room: tuple[float | None, ...] = ()
    first_word_widths: tuple[tuple[float | None, ...], ...] = ()


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
    parser: str = DEFAULT_PARSER  # the page source that read it (pipeline.extract.page_source)
    title: str = ""  # the PDF's own Title (document information), e.g. the cover's wording
    ocr_pages: dict[int, Any] = field(default_factory=dict)  # page -> ocr.OcrPage (scans)

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


MEMORY_HINT = "Raise --max-memory if the file is genuine."


def memory_limit_error(name: str, limits: Limits, page: int | None = None) -> ResourceLimitError:
    return ResourceLimitError(f"exceeds the memory limit ({limits.max_memory // MB} MB)",
                              file_name=name, page=page, hint=MEMORY_HINT)


def _table_rows(table: Table, page_chars: list[dict[str, Any]] | CharIndex,
                ) -> list[list[str | None]]:
    """The table's cell texts, exactly as `table.extract()` gives them (pipeline/extract/
    cells.py: one sorted sweep over the page's characters instead of a scan per row)."""
    index = page_chars if isinstance(page_chars, CharIndex) else CharIndex(page_chars)
    return table_rows(table, index)


class _OutsideTables(FilteredPage):
    """The page without the characters of the tables found on it; its other objects (rules,
    shading) stay, as they did under `page.filter(...)`."""

    def __init__(self, parent_page: Page, boxes: list[tuple[float, float, float, float]],
                 index: CharIndex):
        super().__init__(parent_page, bool)
        self.boxes = list(boxes)
        self.index = index  # the parent page's characters, indexed
        self.chars_in_order = index.orderable  # a subset of the page's characters

    @property
    def objects(self) -> dict[str, list[dict[str, Any]]]:
        if hasattr(self, "_objects"):
            return self._objects
        objects = {kind: list(found) for kind, found in self.parent_page.objects.items()}
        if "char" in objects:
            objects["char"] = outside(self.index, self.boxes)
        self._objects: dict[str, list[dict[str, Any]]] = objects
        return self._objects


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
    index: CharIndex | None = None
    in_order = orderable(page_chars)  # and so is every subset of them
    if isinstance(page, LeanPage):
        page.chars_in_order = in_order  # the strategies ask too (cells.chars_in_order)
    lines: Iterable[dict[str, Any]] | None = None
    tables: list[tuple[int, Table]] = []  # (position in blocks, the table found)
    for strategy in STRATEGIES.values():
        if strategy.needs_text:
            lines = _text_lines(rest, in_order) if lines is None else lines
            # the lines are worked out only as far as the strategy reads them
            if not strategy.wanted((line["text"] for line in lines), page):
                continue
        found = 0
        for table in strategy.find(rest, page):
            index = index or CharIndex(page_chars, orderable=in_order)
            rows = tuple(tuple(_storable(cell) for cell in row)
                         for row in _table_rows(table, index))
            if not rows:
                continue
            found += 1
            boxes.append(table.bbox)
            column_x, origins = _origins(table)
            tables.append((len(blocks), table))
            blocks.append(TableBlock(page_no, table.bbox[1], table.bbox[3], rows,
                                     table.bbox[0], table.bbox[2], column_x, origins,
                                     strategy.name))
        if found and index is not None:
            rest = _OutsideTables(page, boxes, index)
            lines = None
    if tables and index is not None:
        measure_page_break(blocks, tables, index)
    for line in _text_lines(rest, in_order) if lines is None else lines:
        text = squash(_storable(line["text"]))
        if text:
            blocks.append(TextLine(page_no, line["top"], text, line["bottom"], line["x0"],
                                   line["x1"]))
    blocks.sort(key=lambda b: b.top)
    return blocks, chars


def _text_lines(page: Page, in_order: bool) -> Iterable[dict[str, Any]]:
    """`page.extract_text_lines(return_chars=False, **WORDS)`, the same lines, in one pass
    over the page's characters (pipeline/extract/cells.py) where they are `orderable`, worked
    out as far as they are read (cells.LazyTextLines)."""
    return LazyTextLines(page.chars) if in_order else \
        page.extract_text_lines(return_chars=False, **WORDS)


def read_blocks(path: Path, limits: Limits = DEFAULT_LIMITS,
                parser: str = DEFAULT_PARSER) -> DocumentBlocks:
    """Every table and every line of text outside tables, in reading order, with its page.
    `parser` names the page source (pipeline.extract.page_source.PARSERS)."""
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r}; one of {', '.join(PARSERS)}")
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
        data = stream.read() if parser == "pdfium" else None
        stream.seek(0)
        try:
            pdf = pdfplumber.open(stream)
            return _read_pages(pdf, name, limits, started, parser, data)
        except (PDFPasswordIncorrect, PDFEncryptionError) as cause:
            raise EncryptedPdfError("encrypted (password-protected)", file_name=name) from cause
        except MemoryError:  # the worker's bound: let the frames (and their memory) go
            raise memory_limit_error(name, limits) from None
        except pdfium.PdfiumError as cause:
            raise _unreadable(cause, name) from cause
        except _OPEN_ERRORS as cause:
            if isinstance(_inner(cause), MemoryError):
                raise memory_limit_error(name, limits) from None
            raise _unreadable(cause, name) from cause


def _pages(pdf: pdfplumber.PDF, limits: Limits = DEFAULT_LIMITS, name: str = "",
           parser: str = "pdfminer", data: bytes | None = None) -> Iterator[LeanPage]:
    """The pages one at a time, from the page source `parser` (page_source.iter_pages)."""
    return iter_pages(pdf, parser, limits, name, data)


def _check_time(started: float, limits: Limits, name: str, page: int | None = None,
                ocr: bool = False) -> None:
    """The per-page bound; the alarm in run.py also interrupts a single slow page. `ocr`: pages
    were read by OCR, which is what takes the time."""
    if time.monotonic() - started > limits.max_seconds:
        if ocr:
            raise ocr_out_of_time(limits, name, page)
        raise ResourceLimitError(f"took over {limits.max_seconds:g}s", file_name=name, page=page)


def _read_pages(pdf: pdfplumber.PDF, name: str, limits: Limits, started: float,
                parser: str = "pdfminer", data: bytes | None = None) -> DocumentBlocks:
    page_count = sum(1 for _ in PDFPage.create_pages(pdf.doc))
    if page_count == 0:
        raise UnreadablePdfError("corrupt PDF (no readable pages)", file_name=name)
    if page_count > limits.max_pages:
        raise ResourceLimitError(f"{page_count} pages, over the {limits.max_pages}-page limit",
                                 file_name=name)
    document = DocumentBlocks(name, page_count, parser=parser, title=_metadata_title(pdf))
    pages_with_text = 0
    shows_report = False
    for index, page in enumerate(_pages(pdf, limits, name, parser, data), start=1):
        _check_time(started, limits, name, index, ocr=bool(document.ocr_pages))
        try:
            if not page.chars and page.images:  # a scanned page: OCR gives it words and rules
                document.ocr_pages[index] = ocr_scanned_page(page, index, limits, started,
                                                             len(document.ocr_pages))
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
    _check_time(started, limits, name, ocr=bool(document.ocr_pages))
    if document.char_count == 0:
        raise NoTextLayerError(_no_text(pdf, data), file_name=name, hint=no_text_hint())
    return document


def _no_text(pdf: pdfplumber.PDF, data: bytes | None) -> str:
    """What a file with no text to read has: none at all, or only text a reader never sees
    (drawn invisibly, or under a page image: page_source._BoundedDevice), left out."""
    try:
        if data is None:
            pdf.stream.seek(0)
            data = pdf.stream.read()
        hidden = has_any_text(data)
    except (pdfium.PdfiumError, OSError):
        hidden = False
    if hidden:
        return ("no visible text (its only text is drawn invisibly or under the page images, "
                "as another tool's OCR is: unverified, so not read)")
    return "no text layer"


def _metadata_title(pdf: pdfplumber.PDF) -> str:
    try:
        title = pdf.metadata.get("Title")
    except Exception:  # noqa: BLE001 - a broken info dictionary only loses the title
        return ""
    return squash(title)[:300] if isinstance(title, str) else ""


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
