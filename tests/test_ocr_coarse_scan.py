"""A scan too coarse for Tesseract: the 2017/18 report's first two pages scanned at 100 dpi
(samples/scan.py --years 2017-18 --dpi 100 --pages 1 2; the same images as the committed full
scan's pages 1 and 2). It prints its tables at 6.5 pt, digits about 4 by 7 pixels; Tesseract
read none of its table headers and the file was refused. PP-OCR reads it first
(pipeline/extract/ocr_ppocr.py), and every figure it loads is checked against the hand-made
truth and found verified by the report's own arithmetic."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.extract import ocr
from tests.conftest import (
    PDFS,
    expected_outcomes,
    fetch,
    golden,
    loaded_outcomes,
    ocr_figures_right_and_verified,
)

SCAN = PDFS / "scanned" / "complaints-2017-18-scan100-pages1-2.pdf"
TRUTH = golden("complaints-2017-18")


@pytest.fixture(scope="module")
def coarse(tmp_path_factory):
    if ocr.ocr_unavailable():  # .ci/run installs the extra and tesseract-ocr
        pytest.fail(f"OCR is not installed here: {ocr.ocr_unavailable()}")
    db = tmp_path_factory.mktemp("coarse") / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(SCAN), "--db", str(db), "--workers", "1",
                                      "--timeout", "900", "--council", "Thurrock Council"])
    return result, db


def test_the_100_dpi_scan_loads_read_first_by_ppocr(coarse):
    result, db = coarse
    assert result.exit_code == 0, result.output
    assert fetch(db, "SELECT report_year, page_count, extractor FROM reports") == [
        ("2017/18", 2, "pdfplumber-tables+ppocr+tesseract-ocr")]


def test_no_figure_is_loaded_wrong_and_every_loaded_figure_is_verified(coarse):
    _, db = coarse
    # Every figure the two pages can confirm, each right and verified: the Missed Collections
    # dashboard (page 2) and its Top Ten row, 2 tables x 2 years x 10 figures; and Non Return
    # of Bins, whose table breaks after its 2017/18 row at the foot of page 2 (its 2016/17 and
    # Difference rows are on page 3, not here), that row and its Top Ten figures, 2 x 10.
    assert ocr_figures_right_and_verified(db, TRUTH) == 60


def test_the_missed_collections_dashboard_loads_whole(coarse):
    _, db = coarse
    where = "service_area = 'Missed Collections'"
    assert loaded_outcomes(db, "stage_outcomes", where) == {
        key: measures for key, measures in expected_outcomes(TRUTH, "stage_outcomes").items()
        if key[1] == "Missed Collections"}


def test_top_ten_figures_nothing_restates_are_quarantined_with_page_and_box(coarse):
    _, db = coarse
    # Repairs' dashboard is on page 4: nothing here restates its Top Ten row (page 1).
    rows = fetch(db, "SELECT page, reason FROM quarantine WHERE service_area = 'Repairs'")
    assert len(rows) == 20
    for page, reason in rows:
        assert page == 1
        assert reason.startswith("OCR figure not confirmed: nothing in the report restates it")
        assert "crop page 1, box " in reason, reason
    assert fetch(db, "SELECT count(*) FROM quarantine WHERE reason LIKE 'OCR figure%' AND "
                     "reason NOT LIKE '%crop page%'") == [(0,)]


def test_the_commentary_is_read_as_printed(coarse):
    """The Missed Collections analysis, every character as printed. Spaces are compared away:
    PP-OCR drops one where two words' letters run close ('mostlyfor'), which bench/ocr.py's
    commentary similarity counts; Tesseract read none of these cells' table."""
    _, db = coarse
    loaded = fetch(db, "SELECT stage, key_themes, service_response, complaints_team_comment "
                       "FROM commentary WHERE service_area = 'Missed Collections' ORDER BY 1")
    want = next(d for d in TRUTH["dashboards"] if d["service_area"] == "Missed Collections")
    printed = [(cell["stage"], cell["key_themes"], cell["service_response"],
                cell["complaints_team_comment"]) for cell in want["analysis"]]
    assert [tuple(_letters(v) for v in row) for row in loaded] == \
        [tuple(_letters(v) for v in row) for row in printed]


def _letters(value: object) -> object:
    return "".join(value.split()) if isinstance(value, str) else value



def test_a_lone_figure_the_detector_passed_over_is_read_and_a_rules_stub_is_not():
    """ocr_ppocr.missed_figures: ink no word covers, a figure's height and shape, read by
    PP-OCR's recogniser alone; a rule's stub a row high (narrower than any figure) is left,
    and so is ink a word already covers."""
    import cv2
    import numpy as np

    from pipeline.extract.ocr import OcrWord
    from pipeline.extract.ocr_ppocr import missed_figures

    grey = np.full((160, 400), 255, dtype=np.uint8)
    cv2.putText(grey, "2", (100, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)  # 8 pt at 200 dpi
    grey[70:86, 300:303] = 60  # a stub 6 pt high, 1 pt wide: alone, PP-OCR reads it as '1'
    ink = np.where(grey < 128, 255, 0).astype(np.uint8)
    [found] = missed_figures(grey, ink, [], 200)
    assert found.text == "2" and 30 < found.x0 < 40 and 25 < found.top < 30  # points
    covering = OcrWord("2", found.x0, found.top, found.x1, found.bottom, 90.0)
    assert missed_figures(grey, ink, [covering], 200) == []


@pytest.mark.parametrize(("read", "meant"), [
    ("(5796)", "(57%)"), ("(096)", "(0%)"), ("096", "0%"), ("(96)", "(%)"), ("+396", "+3%"),
    ("45%", "45%"), ("(45)", "(45)"), ("12345", "12345"), ("9", "9")])
def test_a_percent_sign_ppocr_read_as_96_is_put_back(read, meant):
    """The 2019/20 100 dpi scan: PP-OCR read the '%' of its Top Ten's and dashboards' small
    print as '96', and two 0% figures, read '096' alike in both tables, were loaded as 96%."""
    from pipeline.extract.ocr_ppocr import percent_sign

    assert percent_sign(read) == meant
