"""The document reader's hook for scanned pages: OCR a page that has an image and no text,
within the file's bounds, and hand the page back to the table strategies as if it had text.

Kept apart from `pipeline.extract.ocr` so the document reader imports nothing of the `ocr`
extra: without it, scanned pages stay empty and a file with no text at all is refused with
the line saying how to install it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError, ResourceLimitError
from pipeline.extract.ocr import (
    OCR_INSTALL_HINT,
    OcrPage,
    Reading,
    first_reading,
    ocr_unavailable,
    page_objects,
    read_page,
)
from pipeline.extract.ocr_crops import native_dpi
from pipeline.names import storable_name

if TYPE_CHECKING:
    from pdfplumber.page import Page

    from pipeline.extract.limits import Limits

@dataclass(frozen=True)
class OcrPageRead:
    """One page OCR'd: the CLI's per-page progress bar. The first reading goes through the
    file's pages (`done` is the page number, `total` the file's pages); a reading again
    (`again`) goes through the pages that need it (`done` of `total`)."""

    file_name: str
    reading: str
    done: int
    total: int
    seconds: float
    again: bool = False


PageProgress = Callable[[OcrPageRead], None]
_progress: list[PageProgress] = []


def on_ocr_page(callback: PageProgress | None) -> None:
    """Report each OCR'd page to `callback` (None: stop reporting). A worker process forked
    afterwards inherits it (pipeline.ocr_progress relays its reports back)."""
    _progress.clear()
    if callback is not None:
        _progress.append(callback)


def page_read(event: OcrPageRead) -> None:
    for callback in _progress:
        callback(event)


OCR_TIME_HINT = "OCR takes seconds a page: raise --timeout for scanned files."


def ocr_scanned_page(page: Page, page_no: int, limits: Limits, started: float,
                     done: int, reading: Reading | None = None) -> OcrPage | None:
    """OCR one page with no text layer and give `page` the words and rules read; None (the
    page stays empty) when OCR is not installed. The first reading (`reading` None) is at the
    resolution the scan's own needs (`ocr.first_reading`)."""
    if ocr_unavailable() is not None:
        return None
    if reading is None:
        reading = first_reading(native_dpi(_source(page), page_no - 1))
    name = getattr(page, "file_name", "") or None
    if done >= limits.max_ocr_pages:
        raise ResourceLimitError(
            f"more than {limits.max_ocr_pages} pages without a text layer to OCR",
            file_name=name, page=page_no, hint="OCR takes seconds a page: split the file.")
    left = limits.max_seconds - (time.monotonic() - started)
    if left <= 0:
        raise ocr_out_of_time(limits, name, page_no)
    try:
        scanned = read_page(_source(page), page_no - 1, reading, left)
    except ResourceLimitError as error:  # the file's time ran out in this page
        raise ocr_out_of_time(limits, name, page_no) from error
    except PipelineError as error:  # Tesseract failing
        error.file_name, error.page = name, page_no
        raise
    fill_page(page, scanned)
    if _progress:
        source = _source(page)
        page_read(OcrPageRead(storable_name(source.name), reading.name, page_no,
                              _page_count(source), scanned.seconds))
    return scanned


def ocr_out_of_time(limits: Limits, name: str | None, page_no: int | None
                    ) -> ResourceLimitError:
    """The file's time bound, met while OCR read its pages (what takes the time)."""
    return ResourceLimitError(f"took over {limits.max_seconds:g}s reading its scanned pages",
                              file_name=name, page=page_no, hint=OCR_TIME_HINT)


def fill_page(page: Page, scanned: OcrPage) -> None:
    """The page's objects become the OCR'd characters and ruling lines (its image is no
    longer needed: the table strategies read characters and lines)."""
    objects: dict[str, Any] = page_objects(scanned, float(page.height), page.page_number,
                                           float(page.initial_doctop))
    page._objects = objects  # type: ignore[attr-defined]  # pdfplumber's cache of objects
    for cached in ("_edges",):
        if hasattr(page, cached):
            delattr(page, cached)


def _source(page: Page) -> Path:
    """The file pdfplumber reads (pypdfium2 opens it on its own to render the page)."""
    return Path(page.pdf.stream.name)


def _page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def no_text_hint() -> str:
    """What to do about a file with no text at all."""
    if (reason := ocr_unavailable()) is not None:
        return f"{OCR_INSTALL_HINT} ({reason})"
    return "Its pages are images, and OCR found no text on them either."
