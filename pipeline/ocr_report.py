"""A scanned report's figures, verified: read again where the arithmetic does not confirm a
figure, then keep only what the report's own redundancy confirms (pipeline.verify_ocr).

The first reading (`ocr.PRIMARY`) reads every page. Pages holding a figure nothing confirmed
are read again with the next alternative reading (another resolution or binarisation), within
the file's time limit, and every reading's figures become candidates for the verification.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber

from pipeline.checks import LABELS
from pipeline.config import header_vocabulary
from pipeline.errors import PipelineError, ResourceLimitError
from pipeline.extract import EXTRACTOR_NAME
from pipeline.extract.document import (
    Block,
    DocumentBlocks,
    Limits,
    TableBlock,
    _page_blocks,
    _pages,
)
from pipeline.extract.layout import (
    has_phrase,
    header_measure,
    header_stage,
    map_figure_columns,
)
from pipeline.extract.ocr import ALTERNATIVES, PRIMARY, OcrPage, Reading, read_page
from pipeline.extract.ocr_pages import OcrPageRead, fill_page, page_read
from pipeline.names import storable_name
from pipeline.normalise import squash
from pipeline.report import ReportContent, read_report
from pipeline.validate import Findings
from pipeline.verify_ocr import apply_verdicts, verify_figures

# reports.extractor of a report read by OCR.
OCR_EXTRACTOR_NAME = f"{EXTRACTOR_NAME}+tesseract-ocr"


@dataclass(frozen=True)
class OcrOutcome:
    content: ReportContent
    readings: tuple[str, ...]  # the readings used, first to last
    pages_read_again: tuple[int, ...]


def scanned_pages(document: DocumentBlocks) -> dict[int, OcrPage]:
    return {page: scan for page, scan in document.ocr_pages.items() if scan is not None}


def read_scanned_report(path: Path, document: DocumentBlocks, limits: Limits,
                        started: float, council: str | None = None) -> OcrOutcome:
    """A report with OCR'd pages, read and verified (run.extract_report's OCR path).
    `council` overrides the council the report names."""
    content = read_report(blank_unread_headers(document), council)
    return verify_scanned_report(path, document, content, limits, started)


def blank_unread_headers(document: DocumentBlocks) -> DocumentBlocks:
    """A figure table's header cell that OCR misspelt ('S1 escalating', 'upheld' without its
    '%') is made blank on scanned pages, so it is read as the blank header cells this report
    family prints are: the canonical column between its recognised neighbours; a header whose
    readable cells mostly name the canonical columns in order is read as that order. Every
    figure under it is still verified against the other table before it is loaded."""
    scans = scanned_pages(document)
    vocabulary = header_vocabulary().tables
    phrases = [*vocabulary["top_ten"], *vocabulary["comparative"]]
    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, TableBlock) and block.page in scans and block.rows \
                and has_phrase(squash(block.rows[0][0]), phrases):
            if _in_canonical_order(block.rows[0][1:]):
                header = (block.rows[0][0], *(LABELS[column] for column in
                                              header_vocabulary().canonical_columns))
            else:
                header = tuple(cell if i == 0 or _reads_as_header(cell) else ""
                               for i, cell in enumerate(block.rows[0]))
            block = replace(block, rows=(header, *block.rows[1:]))
        blocks.append(block)
    return replace(document, blocks=blocks)


def _in_canonical_order(cells: tuple[str | None, ...]) -> bool:
    """A header of as many figure columns as the canonical order, whose readable cells
    mostly name the canonical column at their place: OCR's misreads ('S2 rec'd' for 'S1
    rec'd') are then the exceptions, and every column is read as the canonical one."""
    canonical = list(header_vocabulary().canonical_columns)
    if len(cells) != len(canonical):
        return False
    mapped = map_figure_columns(list(cells))
    agree = sum(m == c for m, c in zip(mapped, canonical, strict=True))
    differ = sum(m is not None and m != c for m, c in zip(mapped, canonical, strict=True))
    return agree >= 3 and agree >= 2 * differ


def _reads_as_header(cell: str | None) -> bool:
    text = squash(cell)
    return cell is None or not text or header_measure(text) is not None or (
        header_stage(text) is not None and len(text) <= 12)


def verify_scanned_report(path: Path, document: DocumentBlocks, content: ReportContent,
                          limits: Limits, started: float) -> OcrOutcome:
    """The report's records with every OCR'd figure confirmed or quarantined."""
    scans = scanned_pages(document)
    per_page = sum(s.seconds for s in scans.values()) / max(1, len(scans))
    readings, names, reread = [content], [PRIMARY.name], []
    locate = _locator(scans)
    progress: tuple[int, int] | None = None
    while True:
        # The reading that placed the most is the base (its sections, texts and quarantine);
        # every reading's figures are candidates.
        order = sorted(range(len(readings)), key=lambda i: (unplaced(readings[i]), i))
        ordered, ordered_names = [readings[i] for i in order], [names[i] for i in order]
        verdicts = verify_figures([r.records for r in ordered], content.report_year)
        verified = apply_verdicts(ordered, verdicts, content.report_year, ordered_names,
                                  locate, set(scans))
        pages = sorted(verified.unconfirmed_pages & set(scans))
        step = len(readings) - 1
        # (figures accepted, figures left unplaced): a reading that improves neither ends the
        # reading again (the next alternative would most likely not either).
        now = (sum(v.value is not None for v in verdicts.values()), -len(verified.quarantine))
        if progress is not None and now <= progress:
            break
        progress = now
        left = limits.max_seconds - (time.monotonic() - started)
        # Read again only while the time left covers it with room (each alternative costs
        # about one first reading per page).
        if step >= len(ALTERNATIVES) or not pages or left < 2 * per_page * len(pages) + 5:
            break
        try:
            again = reread_pages(path, document, pages, ALTERNATIVES[step], limits, started)
            readings.append(read_report(blank_unread_headers(again), content.council))
        except ResourceLimitError:
            raise
        except PipelineError:
            break
        names.append(ALTERNATIVES[step].name)
        reread += pages
    findings = Findings(verified.quarantine, verified.issues)
    return OcrOutcome(replace(content, records=verified.records, findings=findings),
                      tuple(names), tuple(sorted(set(reread))))


def unplaced(content: ReportContent) -> int:
    """Figures a reading could not read or place (quarantined from a figure table)."""
    return sum(q.table_name in ("stage_outcomes", "top_ten", "printed_differences")
               for q in content.quarantine)


def reread_pages(path: Path, document: DocumentBlocks, pages: list[int], reading: Reading,
                 limits: Limits, started: float) -> DocumentBlocks:
    """The document with `pages` read again by `reading` (the other pages' blocks kept)."""
    wanted = set(pages)
    fresh: dict[int, list[Block]] = {}
    with path.open("rb") as stream:
        pdf = pdfplumber.open(stream)
        for index, page in enumerate(_pages(pdf, limits, path.name), start=1):
            if index not in wanted:
                continue
            try:
                left = limits.max_seconds - (time.monotonic() - started)
                scan = read_page(path, index - 1, reading, left)
                fill_page(page, scan)
                fresh[index], _ = _page_blocks(page, index)
            finally:
                page.close()
            page_read(OcrPageRead(storable_name(path.name), reading.name, len(fresh),
                                  len(wanted), scan.seconds, again=True))
    blocks: list[Block] = []
    for number in range(1, document.page_count + 1):
        blocks += fresh[number] if number in fresh else \
            [b for b in document.blocks if b.page == number]
    return DocumentBlocks(document.file_name, document.page_count, blocks,
                          document.char_count, dict(document.page_heights))


_TOKEN = re.compile(r"[()+\s]")


def _locator(scans: dict[int, OcrPage]):
    """(page, text) -> where on the page image a figure's word is, for the quarantine row."""

    def locate(page: int, text: str) -> str:
        scan = scans.get(page)
        if scan is None:
            return ""
        want = _TOKEN.sub("", text)
        boxes = [w for w in scan.words if _TOKEN.sub("", w.text) == want]
        if not boxes:
            return f"page {page} (word not found on its image)"
        first = boxes[0]
        also = f", one of {len(boxes)} words so read" if len(boxes) > 1 else ""
        return (f"page {page}, box {first.x0:.0f},{first.top:.0f},{first.x1:.0f},"
                f"{first.bottom:.0f} pt{also}")

    return locate
