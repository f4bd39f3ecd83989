"""Bounded cost per file: page limit, time limit, size limit, the early 'not a report' stop,
and pages released one at a time. Each limit's refusal is one line naming the file."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
import weakref
from pathlib import Path

import pdfplumber
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import NotAComplaintsReportError, ResourceLimitError
from pipeline.extract import document, page_source
from pipeline.extract.document import Limits, read_blocks
from pipeline.run import extract_report
from tests.conftest import PDFS, fetch, shared_dir

REPORTLAB = PDFS / "complaints-2018-19-reportlab.pdf"  # 14 pages
HINT = "Raise --max-pages/--timeout if the file is genuine."
WARN = "pdfplumber__WARN-Report-for-7-1-2015-to-03-25-2016.pdf"  # 16 pages of one long table


def ingest(*args: str):
    return CliRunner().invoke(app, ["ingest", *args, "--workers", "1"])


def test_max_pages_refuses_a_long_file_before_reading_it(tmp_path):
    warn = shared_dir("corpus", "realworld", WARN)
    db = tmp_path / "w.duckdb"
    started = time.monotonic()
    result = ingest(str(warn), "--db", str(db), "--max-pages", "5")
    assert time.monotonic() - started < 10  # reading its 16 pages would take longer
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {WARN}: 16 pages, over the 5-page limit. {HINT}"
    assert fetch(db, "SELECT count(*) FROM reports") == [(0,)]


def test_one_page_over_the_limit_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(REPORTLAB.read_bytes())
    db = tmp_path / "w.duckdb"
    refused = ingest(str(folder), "--db", str(db), "--max-pages", "13")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == f"Error: report.pdf: 14 pages, over the 13-page limit. {HINT}"
    with pytest.raises(ResourceLimitError):
        read_blocks(REPORTLAB, Limits(max_pages=13))
    assert fetch(db, "SELECT count(*) FROM reports") == [(0,)]


def test_timeout_abandons_a_slow_file_with_one_line(tmp_path, monkeypatch):
    # Each page made to take half a second more (the worker is forked, so it sees the patch):
    # its first five pages, read before the file is refused as no report, take well over 1 s
    # on any machine (unpatched, pdfminer reads them in 0.9 s on a fast one, pdfium in 0.3).
    warn = shared_dir("corpus", "realworld", WARN)
    db = tmp_path / "w.duckdb"
    slow_page = page_source._BoundedInterpreter.process_page

    def slower_page(self, page):
        time.sleep(0.5)
        return slow_page(self, page)

    monkeypatch.setattr(page_source._BoundedInterpreter, "process_page", slower_page)
    started = time.monotonic()
    result = ingest(str(warn), "--db", str(db), "--timeout", "1", "--parser", "pdfminer")
    assert time.monotonic() - started < 8
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {WARN}") and f"took over 1s. {HINT}" in line
    assert fetch(db, "SELECT count(*) FROM reports") == [(0,)]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_alarm_interrupts_a_single_slow_page(monkeypatch):
    def stuck(page, page_no):
        time.sleep(30)

    monkeypatch.setattr(document, "_page_blocks", stuck)
    started = time.monotonic()
    with pytest.raises(ResourceLimitError, match=r"took over 0\.5s"):
        extract_report(REPORTLAB, _sha(REPORTLAB), Limits(max_seconds=0.5))
    assert time.monotonic() - started < 5


def test_the_alarm_inside_pdfminer_is_still_a_time_limit(monkeypatch):
    """pdfplumber wraps whatever PDFDocument raises in PdfminerException; a time limit that
    fires in there must not come out as 'corrupt PDF'."""

    def slow_document(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(pdfplumber.pdf, "PDFDocument", slow_document)
    with pytest.raises(ResourceLimitError, match=r"took over 0\.5s"):
        extract_report(REPORTLAB, _sha(REPORTLAB), Limits(max_seconds=0.5))


def test_time_limit_holds_off_the_main_thread_too():
    """No SIGALRM outside the main thread: the per-page check still stops the file."""
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            extract_report(REPORTLAB, _sha(REPORTLAB), Limits(max_seconds=0.2))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=30)
    [error] = outcome
    assert isinstance(error, ResourceLimitError)
    assert "took over 0.2s" in error.one_line() and error.page is not None


def test_file_size_limit(tmp_path):
    with pytest.raises(ResourceLimitError) as caught:
        read_blocks(REPORTLAB, Limits(max_file_bytes=1000))
    size = REPORTLAB.stat().st_size
    assert caught.value.one_line() == (f"{REPORTLAB.name}: file is {size} bytes, over the 1000 "
                                       f"limit. {HINT}")


def test_a_long_document_that_is_no_report_is_refused_after_its_first_pages():
    chelsea = shared_dir("corpus", "realworld", "pdfplumber__chelsea_pdta.pdf")
    with pytest.raises(NotAComplaintsReportError) as caught:
        read_blocks(chelsea)
    # Page 1 is an image; pages 2-6 have text and no complaints wording: 59 pages unread.
    assert caught.value.message == ("not a complaints report (no complaints wording or table "
                                    "in its first 6 of 65 pages)")


@pytest.mark.parametrize("pdf", sorted(PDFS.glob("complaints-*.pdf")), ids=lambda p: p.stem)
def test_every_sample_report_shows_itself_on_its_first_page_with_text(pdf):
    """The early stop can never refuse a real report: each says what it is at once."""
    with pdf.open("rb") as stream:
        doc = pdfplumber.open(stream)
        for number, page in enumerate(document._pages(doc), start=1):
            blocks, chars = document._page_blocks(page, number)
            page.close()
            if chars:
                assert document._shows_report(blocks), f"page {number}"
                break


def test_pages_are_read_one_at_a_time_and_released(monkeypatch):
    """Each page is closed and unreachable before the next is parsed (a 300-page file must
    not hold 300 parsed pages)."""
    seen: list[weakref.ref] = []
    real = document._page_blocks

    def spy(page, page_no):
        gc.collect()  # a Page refers to itself (root_page): freed by the cycle collector
        alive = [ref() for ref in seen if ref() is not None]
        assert not alive, f"page {page_no}: earlier pages still held: {alive}"
        seen.append(weakref.ref(page))
        return real(page, page_no)

    monkeypatch.setattr(document, "_page_blocks", spy)
    closed: list[int] = []
    real_close = pdfplumber.page.Page.close
    monkeypatch.setattr(pdfplumber.page.Page, "close",
                        lambda self: (closed.append(self.page_number), real_close(self))[1])
    doc = read_blocks(REPORTLAB, Limits(evidence_pages=0))
    assert closed == list(range(1, doc.page_count + 1))
    assert len(seen) == doc.page_count == 14
