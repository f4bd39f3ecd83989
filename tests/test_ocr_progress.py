"""OCR's per-page progress: reports from the extraction worker processes reach the process
that shows the bar (pipeline.ocr_progress), and the CLI shows a bar per file being OCR'd
unless --quiet or --format json. No OCR here (reports are made by hand, the ingest is a
stand-in): tests/test_ocr.py checks the bar hears every page of the committed scan."""

from __future__ import annotations

import io
import os

from rich.console import Console
from typer.testing import CliRunner

from pipeline import cli
from pipeline.extract.ocr_pages import OcrPageRead, on_ocr_page, page_read
from pipeline.ocr_progress import decode, encode, relay_ocr_pages, relayed
from pipeline.run import FileOutcome, IngestSummary
from pipeline.workers import extraction_pool


def read_three_pages(file_name: str) -> int:
    """A worker's stand-in for OCR'ing a three-page scan."""
    for page in (1, 2, 3):
        page_read(OcrPageRead(file_name, "otsu@300dpi", page, 3, 0.5))
    return os.getpid()


def test_pages_read_in_worker_processes_reach_the_callback():
    heard: list[OcrPageRead] = []
    names = [f"scan-{i}.pdf" for i in range(4)]
    with relay_ocr_pages(heard.append), extraction_pool(2, 0) as pool:
        pids = list(pool.map(read_three_pages, names))
    assert os.getpid() not in pids  # read in other processes
    for name in names:
        assert [(e.done, e.total) for e in heard if e.file_name == name] == [
            (1, 3), (2, 3), (3, 3)]
    assert len(heard) == 12


def test_nothing_is_relayed_outside_the_block_or_without_a_callback():
    heard: list[OcrPageRead] = []
    with relay_ocr_pages(heard.append):
        page_read(OcrPageRead("in.pdf", "otsu@300dpi", 1, 1, 1.0))
    page_read(OcrPageRead("after.pdf", "otsu@300dpi", 1, 1, 1.0))
    assert [e.file_name for e in heard] == ["in.pdf"]
    with relay_ocr_pages(None):
        page_read(OcrPageRead("none.pdf", "otsu@300dpi", 1, 1, 1.0))
    assert [e.file_name for e in heard] == ["in.pdf"]


def test_relayed_items_pass_through_with_their_pages_heard_while_they_run():
    heard: list[OcrPageRead] = []

    def files():
        for name in ("a.pdf", "b.pdf"):
            page_read(OcrPageRead(name, "adaptive@300dpi", 1, 2, 2.0, again=True))
            yield name

    assert list(relayed(files(), heard.append)) == ["a.pdf", "b.pdf"]
    assert [(e.file_name, e.again) for e in heard] == [("a.pdf", True), ("b.pdf", True)]


def test_a_report_is_one_short_line_even_for_a_long_odd_name():
    event = OcrPageRead("\u00e9t\u00e9 \\xff " * 200 + ".pdf", "otsu@300dpi", 12, 60, 11.25)
    line = encode(event)
    # one write under the POSIX PIPE_BUF minimum is atomic: workers never interleave
    assert line.endswith(b"\n") and b"\n" not in line[:-1] and len(line) < 512
    back = decode(line[:-1])
    assert back.file_name == event.file_name[:120]
    assert (back.reading, back.done, back.total, back.seconds, back.again) == (
        "otsu@300dpi", 12, 60, 11.25, False)


def test_a_failing_display_does_not_stop_the_relay():
    heard: list[int] = []

    def display(event: OcrPageRead) -> None:
        if event.done == 1:
            raise ValueError("a display error")
        heard.append(event.done)

    with relay_ocr_pages(display):
        for page in (1, 2, 3):
            page_read(OcrPageRead("x.pdf", "otsu@300dpi", page, 3, 1.0))
    assert heard == [2, 3]


def fake_ingest(calls: list[dict], screens: list[str]):
    """`ingest` as the CLI calls it: the scan's two pages OCR'd (the bars drawn after each),
    then the file loaded."""

    def ingest(paths, db, **options):
        calls.append(options)
        if options["on_ocr_page"] is not None:
            progress = options["on_ocr_page"].__self__.progress
            for page in (1, 2):
                options["on_ocr_page"](OcrPageRead("scan.pdf", "otsu@300dpi", page, 2, 9.0))
                screen = Console(file=io.StringIO(), width=100, color_system=None)
                screen.print(progress.get_renderable())
                screens.append(screen.file.getvalue())
        outcome = FileOutcome("scan.pdf", "loaded", pages=2, report_year="2018/19",
                              records=10)
        options["on_file"](outcome)
        return IngestSummary([outcome], 1.0)

    return ingest


def run_cli(monkeypatch, tmp_path, *options: str) -> tuple[list[dict], list[str], str]:
    calls: list[dict] = []
    screens: list[str] = []
    terminal = io.StringIO()
    monkeypatch.setattr(cli, "ingest", fake_ingest(calls, screens))
    monkeypatch.setattr(cli, "err", Console(file=terminal, force_terminal=True, width=120))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n")
    result = CliRunner().invoke(cli.app, ["ingest", str(scan), "--db",
                                          str(tmp_path / "w.duckdb"), *options])
    assert result.exit_code == 0, result.output
    return calls, screens, terminal.getvalue()


def test_ingest_on_a_terminal_shows_each_ocr_page(monkeypatch, tmp_path):
    calls, screens, shown = run_cli(monkeypatch, tmp_path)
    assert calls[0]["on_ocr_page"] is not None
    assert len(screens) == 2
    for page, screen in enumerate(screens, start=1):
        files, ocr = screen.splitlines()
        assert files.startswith("Ingesting ") and " 0/1 0 pages " in files
        assert ocr.startswith("  OCR scan.pdf ") and f" {page}/2 9 s a page " in ocr
    assert "Ingesting scan.pdf" in shown and "OCR" not in shown.split("1/1")[-1]


def test_quiet_and_json_ask_for_no_page_reports_and_print_no_bar(monkeypatch, tmp_path):
    for options in (("--quiet",), ("--format", "json")):
        calls, screens, shown = run_cli(monkeypatch, tmp_path, *options)
        assert calls[0]["on_ocr_page"] is None
        assert screens == [] and shown == "", options


def teardown_module() -> None:
    on_ocr_page(None)
