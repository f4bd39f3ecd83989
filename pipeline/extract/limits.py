"""What one file may cost (`Limits`), shared by the reader and the page sources."""

from __future__ import annotations

from dataclasses import dataclass


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
    # Pages without a text layer read by OCR (pipeline.extract.ocr), seconds each at best.
    max_ocr_pages: int = 60


MB = 1024 * 1024
PAGE_WORK_HINT = "No real report page needs this much: the file looks built to exhaust readers."
