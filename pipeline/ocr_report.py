"""A scanned report's figures, verified: read again where the arithmetic does not confirm a
figure, then keep only what the report's own redundancy confirms (pipeline.verify_ocr).

The first reading (`ocr.first_reading`: Tesseract, Otsu at 300 dpi, or three times a coarser
scan's resolution; PP-OCR at twice a scan's under 150 dpi) reads every page. Pages holding a
figure nothing confirmed are read again with the next alternative reading (`READ_AGAIN`: crops
of its unsettled figure words, then another resolution or binarisation of the page;
`PPOCR_READ_AGAIN` puts PP-OCR's own alternatives first), within the file's time limit, and
every reading's figures, on the pages it read, become candidates for the verification, with
the Difference figures read without a sign as negative (`SIGN_LOST`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber

from pipeline.errors import NotAComplaintsReportError, PipelineError, ResourceLimitError
from pipeline.extract import EXTRACTOR_NAME
from pipeline.extract.document import (
    Block,
    DocumentBlocks,
    Limits,
    _page_blocks,
    _pages,
)
from pipeline.extract.ocr import (
    ALTERNATIVES,
    PPOCR_ALTERNATIVES,
    PRIMARY,
    OcrPage,
    Reading,
    read_page,
)
from pipeline.extract.ocr_crops import CROP_READINGS, CropReading, native_dpi, read_figures_again
from pipeline.extract.ocr_pages import OcrPageRead, fill_page, page_read
from pipeline.names import storable_name
from pipeline.ocr_tables import scanned_pages, tidy_scanned_tables
from pipeline.ocr_verdicts import apply_verdicts
from pipeline.report import ReportContent, read_report
from pipeline.validate import Findings
from pipeline.verify_ocr import MEASURES, FigureKey, figure_key, verify_figures
from schemas.records import PrintedDifference, Record

# reports.extractor of a report read by OCR: by Tesseract, or first by PP-OCR (a scan under
# 150 dpi, ocr.first_reading) and again by Tesseract.
OCR_EXTRACTOR_NAME = f"{EXTRACTOR_NAME}+tesseract-ocr"
PPOCR_EXTRACTOR_NAME = f"{EXTRACTOR_NAME}+ppocr+tesseract-ocr"


def ocr_extractor_name(document: DocumentBlocks) -> str:
    """reports.extractor of a scanned report: which recognisers read its pages."""
    first = {scan.reading for scan in scanned_pages(document).values()}
    return PPOCR_EXTRACTOR_NAME if any(name.startswith("ppocr") for name in first) \
        else OCR_EXTRACTOR_NAME


# The readings after the first, in order: the figure words still unsettled read again from
# their crops (one Tesseract run a page, a second or two), then whole pages at another
# resolution or binarisation.
READ_AGAIN: tuple[Reading | CropReading, ...] = (*CROP_READINGS, *ALTERNATIVES)
# Pages PP-OCR read first (a scan under 150 dpi) are read again by PP-OCR first.
PPOCR_READ_AGAIN: tuple[Reading | CropReading, ...] = (*PPOCR_ALTERNATIVES, *READ_AGAIN)
# The Difference row prints a sign on every figure but 0 ('+3', '-19'); a low-resolution scan
# loses the thin minus most often ('44' for -44).
SIGN_LOST = "minus sign lost"
_NEVER_BASE = frozenset({SIGN_LOST, *(r.name for r in CROP_READINGS)})


@dataclass(frozen=True)
class OcrOutcome:
    content: ReportContent
    readings: tuple[str, ...]  # the readings used, first to last
    pages_read_again: tuple[int, ...]


def read_scanned_report(path: Path, document: DocumentBlocks, limits: Limits,
                        started: float, council: str | None = None) -> OcrOutcome:
    """A report with OCR'd pages, read and verified (run.extract_report's OCR path).
    `council` overrides the council the report names."""
    try:
        content = read_report(tidy_scanned_tables(document, council), council)
    except NotAComplaintsReportError as error:
        scans = scanned_pages(document)
        coarsest = min(native_dpi(path, page - 1) for page in scans)
        raise tables_unread(error, len(scans), coarsest) from error
    return verify_scanned_report(path, document, content, limits, started)


# Below this, a scan's small print (6.5 pt figures are 9 pixels high at 100 dpi) is too
# coarse for OCR: Tesseract read 49 of 212 figures of such a page (2017/18 sample, 100 dpi).
FINE_ENOUGH_DPI = 150


def tables_unread(error: NotAComplaintsReportError, pages: int,
                  dpi: int) -> NotAComplaintsReportError:
    """A scan in which OCR found no figure table: when its images are coarse, say so and what
    to do (scan again), rather than that it is not a complaints report."""
    if dpi >= FINE_ENOUGH_DPI:
        return error
    return NotAComplaintsReportError(
        f"no Top Ten or Comparative Data table read by OCR on its {pages} scanned pages "
        f"({dpi} dpi)", file_name=error.file_name,
        hint=f"A {dpi} dpi scan is too coarse for OCR to read the tables' small print: scan "
             "the printed copy again at 300 dpi.")


def verify_scanned_report(path: Path, document: DocumentBlocks, content: ReportContent,
                          limits: Limits, started: float) -> OcrOutcome:
    """The report's records with every OCR'd figure confirmed or quarantined."""
    scans = scanned_pages(document)
    per_page = sum(s.seconds for s in scans.values()) / max(1, len(scans))
    # The first reading's name: its resolution follows each page's scan (ocr.first_reading).
    first = "/".join(sorted({scan.reading for scan in scans.values()})) or PRIMARY.name
    again = PPOCR_READ_AGAIN if first.startswith("ppocr") else READ_AGAIN
    readings, names, reread = [content], [first], []
    read: list[set[int] | None] = [None]  # the pages each reading read (None: all)
    # Figures settled before a reading of figure crops, with their values: it reads again
    # only the others (and may only agree with these).
    settled: list[dict[FigureKey, float]] = [{}]
    locate = _locator(scans)
    progress: tuple[int, int] | None = None
    step = 0  # the next reading of `again`
    while True:
        # Every reading's figures are candidates, and the Difference figures they read without
        # a sign are candidates as negative too (SIGN_LOST). The reading that placed the most
        # is the base (its sections, texts and quarantine); a reading of figure crops or of
        # lost signs never is: its texts are the first reading's, or it has none.
        signs = replace(content, records=sign_lost_reading([r.records for r in readings]))
        candidates, candidate_names = [*readings, signs], [*names, SIGN_LOST]
        order = sorted(range(len(candidates)), key=lambda i: (
            candidate_names[i] in _NEVER_BASE, unplaced(candidates[i]), i))
        ordered = [candidates[i] for i in order]
        ordered_names = [candidate_names[i] for i in order]
        # A reading again holds the other pages as the first reading read them: only the
        # pages it read are a reading (a copy agreeing with its original is no evidence).
        own = [*read, None]
        verdicts = verify_figures([unsettled_only(only_pages(candidates[i].records, own[i]),
                                                  settled[i]) if i < len(settled) else
                                   only_pages(candidates[i].records, own[i]) for i in order],
                                  content.report_year)
        verified = apply_verdicts(ordered, verdicts, content.report_year, ordered_names,
                                  locate, set(scans))
        pages = sorted(verified.unconfirmed_pages & set(scans))
        # (figures accepted, figures left unplaced): a reading that improves neither ends the
        # reading again by its recogniser (its next alternative would most likely not either);
        # another recogniser's readings may still (the 2019/20 100 dpi scan: PP-OCR's readings
        # again stopped gaining, Tesseract's of figure crops then confirmed 30 figures more).
        now = (sum(v.value is not None for v in verdicts.values()), -len(verified.quarantine))
        if progress is not None and now <= progress:
            step = other_recogniser(again, step, again[step - 1])
        else:
            progress = now
        left = limits.max_seconds - (time.monotonic() - started)
        # Read again only while the time left covers it with room (each alternative costs
        # about one first reading per page).
        if step >= len(again) or not pages or left < 2 * per_page * len(pages) + 5:
            break
        try:
            fresh = reread_pages(path, document, pages, again[step], limits, started)
            readings.append(read_report(tidy_scanned_tables(fresh, content.council),
                                        content.council))
        except ResourceLimitError:
            raise
        except PipelineError:  # the recogniser failing: the next recogniser's readings
            step = other_recogniser(again, step, again[step])
            continue
        names.append(again[step].name)
        read.append(set(pages))
        settled.append({k: v.value for k, v in verdicts.items() if v.value is not None}
                       if isinstance(again[step], CropReading) else {})
        reread += pages
        step += 1
    findings = Findings(verified.quarantine, verified.issues)
    return OcrOutcome(replace(content, records=verified.records, findings=findings),
                      tuple(names), tuple(sorted(set(reread))))


def sign_lost_reading(readings: Sequence[Mapping[str, Sequence[Record]]]
                      ) -> dict[str, list[Record]]:
    """The Difference figures the readings read without a sign, as negative: one more
    candidate for each, which only the report's arithmetic (this year - last year) can
    confirm. Nothing else (a copy of another figure would be a reading agreeing with it)."""
    rows: list[Record] = []
    made: set[tuple[str, str, int, str, float]] = set()
    for records in readings:
        for diff in records.get("printed_differences", ()):
            if not isinstance(diff, PrintedDifference) or not diff.printed_value \
                    or not diff.raw_text.strip()[:1].isdigit():
                continue
            key = (diff.directorate, diff.service_area, diff.stage, diff.measure,
                   -diff.printed_value)
            if key not in made:
                made.add(key)
                rows.append(diff.model_copy(update={"printed_value": -diff.printed_value}))
    return {"printed_differences": rows}


def only_pages(records: Mapping[str, Sequence[Record]],
               pages: set[int] | None) -> dict[str, list[Record]]:
    """The records printed on `pages` (None: all of them)."""
    return {table: [r for r in rows if pages is None or getattr(r, "page", None) in pages]
            for table, rows in records.items()}


def unsettled_only(records: Mapping[str, Sequence[Record]],
                   settled: Mapping[FigureKey, float]) -> dict[str, list[Record]]:
    """A reading's figures but those in `settled` (the figures a reading of crops was not
    asked to read again: its dissent from a confirmed figure is no evidence), and no
    commentary (its crops are not figures of a table). A settled figure it read alike is
    kept: a second reading agreeing, which holds the figure when a later reading contradicts
    it (the 2017/18 300 dpi scan: a page read again misread the Top Ten's 36% as 3%, and the
    dashboard's 36%, 31% and +5%, confirmed and read alike by the crops, were held back as
    read by one reading only)."""
    if not settled:
        return {table: list(rows) for table, rows in records.items()}

    def dissents(key: FigureKey, value: float | None) -> bool:
        return key in settled and (value is None or float(value) != settled[key])

    kept: dict[str, list[Record]] = {}
    for table, rows in records.items():
        if table in ("stage_outcomes", "top_ten"):
            kept[table] = [row.model_copy(update={
                m: None for m in MEASURES
                if dissents(figure_key(table, row, m), getattr(row, m))}) for row in rows]
        elif table == "printed_differences":
            kept[table] = [d for d in rows if isinstance(d, PrintedDifference) and not dissents(
                ("printed_differences", d.directorate, d.service_area, "", d.stage,
                 d.measure), d.printed_value)]
    return kept


def unplaced(content: ReportContent) -> int:
    """Figures a reading could not read or place (quarantined from a figure table)."""
    return sum(q.table_name in ("stage_outcomes", "top_ten", "printed_differences")
               for q in content.quarantine)


def recogniser(reading: Reading | CropReading) -> str:
    """Which recogniser a reading again runs (figure crops are read by Tesseract)."""
    return reading.family if isinstance(reading, Reading) else "tesseract"


def other_recogniser(again: Sequence[Reading | CropReading], start: int,
                     current: Reading | CropReading) -> int:
    """The index of the first reading of `again` from `start` on that another recogniser than
    `current`'s runs (len(again): none is left)."""
    return next((i for i in range(start, len(again))
                 if recogniser(again[i]) != recogniser(current)), len(again))


def reread_pages(path: Path, document: DocumentBlocks, pages: list[int],
                 reading: Reading | CropReading, limits: Limits,
                 started: float) -> DocumentBlocks:
    """The document with `pages` read again by `reading` (the other pages' blocks kept): the
    whole page, or its figure words (ocr_crops)."""
    first = scanned_pages(document)
    wanted = set(pages)
    fresh: dict[int, list[Block]] = {}
    with path.open("rb") as stream:
        pdf = pdfplumber.open(stream)
        for index, page in enumerate(_pages(pdf, limits, path.name), start=1):
            if index not in wanted:
                continue
            try:
                left = limits.max_seconds - (time.monotonic() - started)
                scan = read_figures_again(path, index - 1, first[index], reading, left) \
                    if isinstance(reading, CropReading) else \
                    read_page(path, index - 1, reading, left)
                fill_page(page, scan)
                fresh[index], _ = _page_blocks(page, index)
            finally:
                page.close()
            page_read(OcrPageRead(storable_name(path.name), reading.name, len(fresh),
                                  len(wanted), scan.seconds, again=True))
    return with_pages_read_again(document, fresh)


def with_pages_read_again(document: DocumentBlocks,
                          fresh: Mapping[int, list[Block]]) -> DocumentBlocks:
    """The document with the blocks of the pages in `fresh` replaced. Its scanned pages stay
    scanned: the header and area-name tidying (ocr_tables) works on them alone, and without
    them every reading again was read with OCR's raw headers (2019/20 at 150 dpi: 'Upheld at
    stage 2 but hot at stage 1' named S2 % upheld again, and its 0% (0%) were loaded)."""
    blocks: list[Block] = []
    for number in range(1, document.page_count + 1):
        blocks += fresh[number] if number in fresh else \
            [b for b in document.blocks if b.page == number]
    return replace(document, blocks=blocks, ocr_pages=dict(document.ocr_pages),
                   page_heights=dict(document.page_heights))


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
