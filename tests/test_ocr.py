"""Scanned reports: OCR on a small scan (the 2018/19 report's first two pages at 150 dpi,
samples/scan.py), every loaded figure against the hand-made truth and verified; the same scan
with another tool's OCR layer drawn invisibly over it (samples/sandwich.py), read as the scan
is; the line a scanned file gets without the `ocr` extra. OCR is slow (seconds a page), so the
suite reads the two-page scan once, and its OCR'd copy once; the full scans at 100/150/300 dpi
are measured by bench/ocr.py."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from pipeline import cli, cli_display
from pipeline.cli import app
from pipeline.extract import ocr, ocr_image, ocr_pages
from pipeline.extract.document import Limits, read_blocks
from pipeline.extract.page_source import PARSERS
from tests.conftest import (
    FIXTURES,
    GOLDEN_COLUMNS,
    PDFS,
    fetch,
    golden,
    golden_by_stage,
    ocr_figures_right_and_verified,
    snapshot,
)

SCAN = PDFS / "scanned" / "complaints-2018-19-scan150-pages1-2.pdf"
# The same images, each under the words Tesseract recognised on it, drawn invisibly
SANDWICH = SCAN.with_name(f"{SCAN.stem}-sandwich.pdf")
TRUTH = golden("complaints-2018-19")
COLUMNS = TRUTH["figure_columns"]
MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """The two-page scan ingested as a data engineer would: OCR is seconds a page, so the
    timeout is raised, and a scan carries no title naming its council, so it is given (as
    the README says). On a terminal (stderr made one), so the per-page bar is shown; the
    pages it is told of are kept in PAGES_SHOWN."""
    if ocr.ocr_unavailable():  # .ci/run installs the extra and tesseract-ocr
        pytest.fail(f"OCR is not installed here: {ocr.ocr_unavailable()}")
    db = tmp_path_factory.mktemp("scan") / "w.duckdb"
    show = cli_display.OcrPageBars.page_read

    def shown(bars, page):
        PAGES_SHOWN.append(page)
        show(bars, page)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "err", Console(file=io.StringIO(), force_terminal=True))
        patch.setattr(cli_display.OcrPageBars, "page_read", shown)
        result = _ingest(SCAN, db)
    return result, db


def _ingest(path: Path, db: Path) -> Result:
    return CliRunner().invoke(app, ["ingest", str(path), "--db", str(db), "--workers", "1",
                                    "--timeout", "900", "--council", "Thurrock Council"])


PAGES_SHOWN: list[ocr_pages.OcrPageRead] = []


def truth(table: str, area: str) -> dict[tuple[str, int], dict]:
    entries = TRUTH["top_ten"] if table == "top_ten" else TRUTH["dashboards"]
    entry = next(e for e in entries if e["service_area"] == area)
    figures = entry if table == "top_ten" else entry["comparative"]
    return {(period, stage): measures
            for period, values in ((TRUTH["report_year"], figures["current"]),
                                   (TRUTH["prior_year"], figures["prior"]))
            for stage, measures in golden_by_stage(COLUMNS, values).items()}


def test_the_scan_loads_as_a_report_read_by_ocr(scanned):
    result, db = scanned
    assert result.exit_code == 0, result.output
    assert "loaded" in result.stdout
    assert fetch(db, "SELECT report_year, page_count, extractor FROM reports") == [
        ("2018/19", 2, "pdfplumber-tables+tesseract-ocr")]


def test_the_progress_bar_is_told_of_every_page_as_ocr_reads_it(scanned):
    """Read in the extraction worker (--workers 1 still forks one, for the memory bound):
    the first reading's pages 1 and 2 of 2, then any page read again, counted per pass."""
    first = [(p.file_name, p.reading, p.done, p.total) for p in PAGES_SHOWN if not p.again]
    # a 150 dpi scan: first read at three times its resolution (ocr.first_reading)
    assert first == [(SCAN.name, "otsu@450dpi", 1, 2), (SCAN.name, "otsu@450dpi", 2, 2)]
    assert PAGES_SHOWN[:2] == [p for p in PAGES_SHOWN if not p.again]
    for page in PAGES_SHOWN[2:]:
        assert page.again and page.reading != "otsu@450dpi"
        assert 1 <= page.done <= page.total <= 2
    assert all(p.seconds > 0 for p in PAGES_SHOWN)


def test_no_figure_is_loaded_wrong_and_every_loaded_figure_is_verified(scanned):
    _, db = scanned
    # The dashboard on page 2 (Repairs) and its Top Ten row confirm each other: 2 tables x
    # 2 years x 10 figures, every one printed.
    assert ocr_figures_right_and_verified(db, TRUTH) == 40


def test_the_repairs_dashboard_loads_whole(scanned):
    _, db = scanned
    rows = {(period, stage): dict(zip(MEASURES, values, strict=True))
            for period, stage, *values in fetch(
                db, f"SELECT period, stage, {', '.join(MEASURES)} FROM stage_outcomes "
                    "WHERE service_area = 'Repairs'")}
    assert rows == truth("stage_outcomes", "Repairs")


def test_printed_differences_loaded_are_the_printed_ones(scanned):
    _, db = scanned
    repairs = next(d for d in TRUTH["dashboards"] if d["service_area"] == "Repairs")
    printed = {GOLDEN_COLUMNS[c]: v for c, v in zip(COLUMNS, repairs["comparative"]["difference"],
                                                     strict=True)}
    loaded = {(stage, measure): value for stage, measure, value in fetch(
        db, "SELECT stage, measure, printed_value FROM printed_differences")}
    assert loaded == printed  # all ten (OCR's first reading loses the minus of S2 escalated)


def test_top_ten_rows_without_their_dashboard_are_quarantined_with_page_and_box(scanned):
    _, db = scanned
    # Nine areas' dashboards are not in the two pages: nothing restates their Top Ten figures
    # (an area name OCR could not read is quarantined as unknown, as in any report).
    others = fetch(db, f"SELECT {', '.join(MEASURES)} FROM top_ten "
                       "WHERE service_area <> 'Repairs'")
    assert others and all(v is None for row in others for v in row)
    assert fetch(db, "SELECT DISTINCT table_name, page FROM quarantine") == [("top_ten", 1)]
    assert fetch(db, "SELECT count(*) FROM quarantine WHERE service_area = 'Repairs'") == [(0,)]
    [(raw, reason)] = fetch(db, "SELECT raw_text, reason FROM quarantine WHERE service_area = "
                                "'Missed Collections' AND period = '2018/19' AND stage = 1 "
                                "AND field = 'received'")
    assert raw == "163"
    assert "nothing in the report restates it" in reason and "crop page 1, box " in reason


def test_rules_are_found_and_letters_are_not(tmp_path):
    """A drawn grid on a white page at 300 dpi: its rules come back in points; a tall letter
    (a bracket, an 'l') and a long underscore-free word are not rules."""
    import cv2

    page = np.full((600, 900), 255, np.uint8)
    for y in (100, 160, 220):
        cv2.line(page, (100, y), (800, y), 0, 3)
    for x in (100, 450, 800):
        cv2.line(page, (x, 100), (x, 220), 0, 3)
    cv2.putText(page, "(186) lll", (150, 400), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)
    ink = ocr_image.binarise(page, "otsu")
    boxes, cleaned = ocr_image.find_rules(ink, 300)
    rules = ocr_image.rules_in_points(boxes, 300)
    horizontal = sorted(r.top for r in rules if r.top == r.bottom)
    vertical = sorted(r.x0 for r in rules if r.top != r.bottom)
    # A rule is where the middle of its 3-pixel line is: the pixel drawn at y spans y..y+1,
    # so within half a pixel (0.12 pt at 300 dpi) of (y + 0.5) * 72 / 300.
    assert horizontal == pytest.approx([(y + 0.5) * 0.24 for y in (100, 160, 220)], abs=0.12)
    assert vertical == pytest.approx([(x + 0.5) * 0.24 for x in (100, 450, 800)], abs=0.12)
    assert cleaned[380:410, 150:400].any()  # the text is kept for recognition


def test_a_one_row_tables_short_rules_are_found_and_letters_between_rules_are_not():
    """The rest of an Analysis table at the top of a page, one row 12 pt high (50 pixels at
    300 dpi): its vertical rules are shorter than a rule must otherwise be, and join the rules
    above and below. An 'l' as tall, inside a cell, keeps its padding from both: not a rule."""
    import cv2

    page = np.full((300, 900), 255, np.uint8)
    for y in (100, 150):
        cv2.line(page, (100, y), (800, y), 0, 3)
    for x in (100, 450, 800):
        cv2.line(page, (x, 100), (x, 150), 0, 3)
    cv2.line(page, (300, 108), (300, 142), 0, 4)  # an 'l': 34 pixels, 8 pt
    ink = ocr_image.binarise(page, "otsu")
    boxes, _ = ocr_image.find_rules(ink, 300)
    rules = ocr_image.rules_in_points(boxes, 300)
    vertical = sorted(r.x0 for r in rules if r.top != r.bottom)
    assert vertical == pytest.approx([(x + 0.5) * 0.24 for x in (100, 450, 800)], abs=0.12)


# What names the file a report came from, not what was read from it.
FILE_COLUMNS = frozenset({"report_id", "sha256", "source_path", "file_name", "ingested_at"})


def test_a_scan_with_another_tools_ocr_layer_loads_as_the_scan_does(scanned, tmp_path):
    """Tesseract's own PDF of the scan (the same images, its words drawn invisibly over them)
    reads the Top Ten header's 'S1' as '$1' and 'S2' as 'Si': as text, figures misread so
    would load unverified. The invisible words are left out, so the pages are the scan's
    images again (the words no longer keep OCR from enlarging the image's own pixels), read
    and verified as the scan's are: the same rows, row for row."""
    with pdfplumber.open(SANDWICH) as pdf:
        assert "$1 rec'd % upheld Si S2" in pdf.pages[0].extract_text()
    db = tmp_path / "w.duckdb"
    result = _ingest(SANDWICH, db)
    assert result.exit_code == 0, result.output
    assert fetch(db, "SELECT report_year, page_count, extractor FROM reports") == [
        ("2018/19", 2, "pdfplumber-tables+tesseract-ocr")]
    _, scan_db = scanned
    assert snapshot(db, FILE_COLUMNS) == snapshot(scan_db, FILE_COLUMNS)
    assert ocr_figures_right_and_verified(db, TRUTH) == 40


@pytest.mark.parametrize("parser", PARSERS)
def test_without_the_extra_an_ocr_layer_is_not_read_and_the_line_says_why(monkeypatch,
                                                                            parser):
    monkeypatch.setattr(ocr_pages, "ocr_unavailable", lambda: "the ocr extra is not installed "
                        "(pytesseract missing)")
    from pipeline.errors import NoTextLayerError

    with pytest.raises(NoTextLayerError) as caught:
        read_blocks(SANDWICH, parser=parser)
    assert caught.value.one_line() == (
        f"{SANDWICH.name}: no visible text (its only text is drawn invisibly or under the "
        "page images, as another tool's OCR is: unverified, so not read). It looks scanned: "
        "install the OCR extra to read it (pip install -e '.[ocr]' and Debian's tesseract-ocr). "
        "(the ocr extra is not installed (pytesseract missing))")


def test_without_the_extra_a_scan_is_refused_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(ocr_pages, "ocr_unavailable", lambda: "the ocr extra is not installed "
                        "(pytesseract missing)")
    from pipeline.errors import NoTextLayerError

    with pytest.raises(NoTextLayerError) as caught:
        read_blocks(FIXTURES / "bad" / "scanned-no-text.pdf")
    assert caught.value.one_line() == (
        "scanned-no-text.pdf: no text layer. It looks scanned: install the OCR extra to read "
        "it (pip install -e '.[ocr]' and Debian's tesseract-ocr). (the ocr extra is not "
        "installed (pytesseract missing))")


def test_a_scan_out_of_time_says_ocr_takes_the_time():
    """OCR takes seconds a page; the file's bound, met inside Tesseract's reading of page 1,
    is named (not the second or so the page had left), with what to do."""
    from pipeline.errors import ResourceLimitError

    with pytest.raises(ResourceLimitError) as caught:
        read_blocks(SCAN, Limits(max_seconds=1))
    assert caught.value.one_line() == (
        "complaints-2018-19-scan150-pages1-2.pdf (page 1): took over 1s reading its scanned "
        "pages. OCR takes seconds a page: raise --timeout for scanned files.")


def test_a_scan_over_the_ocr_page_bound_is_refused_before_any_ocr():
    from pipeline.errors import ResourceLimitError

    with pytest.raises(ResourceLimitError) as caught:
        read_blocks(SCAN, Limits(max_ocr_pages=0))
    assert caught.value.one_line() == (
        "complaints-2018-19-scan150-pages1-2.pdf (page 1): more than 0 pages without a text "
        "layer to OCR. OCR takes seconds a page: split the file.")
