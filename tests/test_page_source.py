"""The two page sources (issue 15): pdfium's pages give what pdfminer's give, piece by piece
(characters, words, edges, within stated tolerances), and the odd shapes a parser can get
wrong read the same, and right, under both."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest

from pipeline.errors import PipelineError
from pipeline.extract import page_source
from pipeline.extract.document import Limits, TableBlock, TextLine, _pages, read_blocks
from pipeline.extract.page_source import PARSERS
from pipeline.run import ingest
from samples import odd_pdfs
from tests.conftest import FIXTURES, PDFS

ODD = PDFS / "odd"
# One sample of each producer (Word/LibreOffice ruled and borderless, Chromium, ReportLab,
# the 2020/21 layout), and every odd shape.
PIECEWISE = [PDFS / f"complaints-2018-19-{p}.pdf" for p in ("word", "word-borderless", "html",
                                                             "reportlab")] + \
    [PDFS / "complaints-2020-21-newlayout-word.pdf"] + sorted(ODD.glob("*.pdf"))

# Tolerances, and why:
# - Along a line of text, 0.7 pt: pdfium keeps glyph widths in whole 1/1000 em units, so each
#   glyph's advance may be short by up to 0.001 em and a line's later glyphs drift; the worst
#   drift over the samples' longest lines is 0.69 pt (the issue's prototype saw the same).
ALONG_LINE = 0.7
# - Across a line, and every rule: 0.001 pt. Both parsers place a glyph's box by the same
#   font descent (read from the font descriptor, as pdfminer does) and size; pdfium keeps
#   coordinates as 32-bit floats (842 pt to within 0.0001).
ACROSS = 0.001
# - A space pdfium's text page leaves out (Chromium draws each as a text object of its own)
#   is put back at its origin, but its advance is taken from pdfium's bounds of that object:
#   the far edge of such a space may be off by up to one em of its font. Spaces only separate
#   words; no word, cell or line takes its extent from a space.
RESTORED_SPACE_EDGE = 1.0  # em


def _pages_of(path: Path, parser: str) -> Iterator:
    data = path.read_bytes()
    with path.open("rb") as stream:
        pdf = pdfplumber.open(stream)
        yield from _pages(pdf, Limits(), path.name, parser, data)


def _both(path: Path) -> Iterator[tuple]:
    yield from zip(_pages_of(path, "pdfminer"), _pages_of(path, "pdfium"), strict=True)


def _along_and_across(page, reference: dict, other: dict) -> tuple[float, float]:
    """(along-line, across-line) distance of two boxes: x and y swap on a turned page."""
    dx = max(abs(reference["x0"] - other["x0"]), abs(reference["x1"] - other["x1"]))
    dy = max(abs(reference["top"] - other["top"]), abs(reference["bottom"] - other["bottom"]))
    return (dy, dx) if page.rotation in (90, 270) else (dx, dy)


@pytest.mark.parametrize("path", PIECEWISE, ids=lambda p: p.name)
def test_chars_words_and_edges_agree_within_the_stated_tolerances(path):
    compared = 0
    for reference, page in _both(path):
        chars, expected = page.chars, reference.chars
        assert [c["text"] for c in chars] == [c["text"] for c in expected], page.page_number
        for want, got in zip(expected, chars, strict=True):
            along, across = _along_and_across(page, want, got)
            if want["text"] == " " and along > ALONG_LINE:  # the far edge of a restored space
                near = abs(want["x0"] - got["x0"]) if page.rotation in (0, 180) else \
                    abs(want["top"] - got["top"])
                assert near <= ALONG_LINE and along <= RESTORED_SPACE_EDGE * want["size"] + 1
            else:
                assert along <= ALONG_LINE, (page.page_number, want["text"], along)
            assert across <= ACROSS, (page.page_number, want["text"], across)
            assert abs(want["size"] - got["size"]) <= (ALONG_LINE if page.rotation in (90, 270)
                                                       else ACROSS)
            assert (want["upright"], want["fontname"]) == (got["upright"], got["fontname"])
        words, expected_words = page.extract_words(), reference.extract_words()
        assert [w["text"] for w in words] == [w["text"] for w in expected_words]
        for want, got in zip(expected_words, words, strict=True):
            along, across = _along_and_across(page, want, got)
            assert along <= ALONG_LINE and across <= ACROSS, (want["text"], along, across)
        edges, expected_edges = page.edges, reference.edges
        assert [e["orientation"] for e in edges] == [e["orientation"] for e in expected_edges]
        for want, got in zip(expected_edges, edges, strict=True):
            assert max(abs(want[k] - got[k]) for k in ("x0", "x1", "top", "bottom")) <= ACROSS
        assert [(r["stroke"], r["fill"]) for r in page.rects] == \
            [(r["stroke"], r["fill"]) for r in reference.rects]
        compared += len(expected)
    assert compared > 0


# What each odd sample prints (samples/odd_pdfs.py draws ROWS; written out here by hand).
PRINTED = (("Service area", "Received", "Upheld"), ("Repairs", "120", "45%"),
           ("Parking", "80", "30%"), ("Waste", "64", "12%"))
# Glyphs with no Unicode (codes 1..10 for the digits 0..9): pdfminer's placeholders.
NO_UNICODE = (PRINTED[0], ("Repairs", "(cid:2)(cid:3)(cid:1)", "45%"),
              ("Parking", "(cid:9)(cid:1)", "30%"), ("Waste", "(cid:7)(cid:5)", "12%"))
# Text drawn twice is two characters each time: pdfminer (the reference) keeps both.
FAKE_BOLD = (("SSeerrvviiccee aarreeaa", "RReecceeiivveedd", "UUpphheelldd"), *PRINTED[1:])
# On the page turned by /Rotate 90 the table reads turned too: a column per printed row.
ROTATED = (("Waste", "Parking", "Repairs", "Service\narea"), ("64", "80", "120", "Received"),
           ("12%", "30%", "45%", "Upheld"))
ODD_TABLES = {"media-box-offset.pdf": PRINTED, "form-xobject.pdf": PRINTED,
              "invisible-text.pdf": PRINTED, "text-under-image.pdf": PRINTED,
              "text-under-see-through-image.pdf": PRINTED,
              "type3-font.pdf": PRINTED, "glyphs-without-unicode.pdf": NO_UNICODE,
              "fake-bold.pdf": FAKE_BOLD, "rotated-page.pdf": ROTATED}


@pytest.mark.parametrize("name", sorted(ODD_TABLES))
@pytest.mark.parametrize("parser", PARSERS)
def test_each_odd_sample_reads_its_printed_table_under_each_parser(name, parser):
    document = read_blocks(ODD / name, Limits(), parser=parser)
    tables = [b.rows for b in document.blocks if isinstance(b, TableBlock)]
    assert tables == [ODD_TABLES[name]]
    assert document.parser == parser


@pytest.mark.parametrize("parser", PARSERS)
def test_text_drawn_invisibly_is_left_out_under_each_parser(parser):
    """A scan's OCR layer is drawn so (render mode 3): a recogniser's guess, not print. The
    sample's invisible figures (the printed ones plus 6 over Received, the same ones under
    Upheld) and its clip-only line are read by plain pdfplumber, interleaved with the print;
    the page shows only the print. Under Upheld, pdfium's text page keeps the invisible twin
    and drops the printed glyph: such a page is parsed by the reference parser."""
    with pdfplumber.open(ODD / "invisible-text.pdf") as pdf:
        plain = pdf.pages[0].extract_text()
    assert "Repairs 112206 4455%%" in plain and "Stage 1 upheld 99%" in plain
    document = read_blocks(ODD / "invisible-text.pdf", Limits(), parser=parser)
    assert [b.text for b in document.blocks if isinstance(b, TextLine)] == [
        "Annual Complaints Report 2021/22", "Complaints received by service area this year."]
    assert document.char_count == sum(len(text) for text in (  # spaces are characters too
        "Annual Complaints Report 2021/22", "Complaints received by service area this year.",
        *(cell for row in PRINTED for cell in row)))


@pytest.mark.parametrize("parser", PARSERS)
def test_text_under_an_image_of_the_page_is_left_out_under_each_parser(parser):
    """Some OCR tools draw their words in ink and the scan over them ('text under the page
    image'). The sample's line of figures under a white image of the whole page is read by
    plain pdfplumber; the page shows only what is drawn over the image. The small image over
    the second line's last word is no page image: that word is kept."""
    with pdfplumber.open(ODD / "text-under-image.pdf") as pdf:
        plain = pdf.pages[0].extract_text()
    assert "Repairs 126 45% Parking 86 30%" in plain
    document = read_blocks(ODD / "text-under-image.pdf", Limits(), parser=parser)
    assert [b.text for b in document.blocks if isinstance(b, TextLine)] == [
        "Annual Complaints Report 2021/22", "Complaints received by service area this year."]


@pytest.mark.parametrize("parser", PARSERS)
def test_an_image_painted_see_through_over_the_page_hides_nothing(parser):
    """A watermark: a white image of the whole page painted at 30% opacity (ExtGState `ca`,
    which pdfminer itself does not read) over the page's text and table, and again inside a
    Form XObject painted at 30% (pdfminer starts a form's interpreter from a fresh state)."""
    document = read_blocks(ODD / "text-under-see-through-image.pdf", Limits(), parser=parser)
    assert document.ocr_pages == {}  # read from its text, not from OCR of a page left bare
    assert [b.text for b in document.blocks if isinstance(b, TextLine)] == [
        "Annual Complaints Report 2021/22", "Complaints received by service area this year."]
    assert [b.rows for b in document.blocks if isinstance(b, TableBlock)] == [PRINTED]


@pytest.mark.parametrize("name", sorted(odd_pdfs.ODD))
def test_the_committed_odd_samples_are_what_the_generator_builds(name):
    assert (ODD / name).read_bytes() == odd_pdfs.ODD[name]()


@pytest.mark.parametrize("path", sorted((FIXTURES / "bad").iterdir()) +
                         sorted((FIXTURES / "hostile").glob("*.pdf")), ids=lambda p: p.name)
def test_a_bad_file_reads_or_fails_the_same_under_both_parsers(path):
    outcomes = []
    for parser in PARSERS:
        try:
            document = read_blocks(path, Limits(), parser=parser)
            outcomes.append([getattr(b, "rows", None) or getattr(b, "text", None)
                             for b in document.blocks])
        except PipelineError as error:
            outcomes.append(error.one_line())
    assert outcomes[0] == outcomes[1]
    if path.name not in ("not-a-complaints-report.pdf",):  # a readable PDF of another kind
        assert isinstance(outcomes[0], str), outcomes[0]


def test_an_unknown_parser_is_refused():
    with pytest.raises(ValueError, match="unknown parser 'mupdf'"):
        read_blocks(ODD / "form-xobject.pdf", Limits(), parser="mupdf")


def test_the_time_limit_stops_a_call_stuck_inside_pdfium(monkeypatch, tmp_path):
    """The time limit's SIGALRM runs its handler only between Python bytecodes, so it cannot
    stop a call stuck in pdfium's C code. Here the alarm is blocked inside the page read, as
    a stuck C call holds it off, and the page never returns: only the worker process's own
    hard deadline (time limit + 2 s) can end it, and the file fails with the time-limit
    line. (The worker is forked, so it sees the patch.)"""
    def stuck_in_c(*args, **kwargs):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)

    monkeypatch.setattr(page_source, "page_objects", stuck_in_c)
    sample = PDFS / "complaints-2018-19-word.pdf"
    started = time.monotonic()
    summary = ingest([sample], tmp_path / "w.duckdb", workers=1,
                     limits=Limits(max_seconds=1), parser="pdfium")
    elapsed = time.monotonic() - started
    assert [o.error for o in summary.outcomes] == [
        "complaints-2018-19-word.pdf: took over 1s. Raise --max-pages/--timeout if the file "
        "is genuine."]
    # killed at 3 s in the pool, retried alone and killed at 3 s again: far below 120 s
    assert elapsed < 30, elapsed


def test_ingest_records_the_parser_it_was_given(tmp_path):
    """`--parser pdfminer` is the fallback; pdfium the default; `reports.parser` says which
    read each report."""
    from typer.testing import CliRunner

    from pipeline.cli import app
    from tests.conftest import fetch

    sample = PDFS / "complaints-2018-19-word.pdf"
    for parser, args in (("pdfium", ()), ("pdfminer", ("--parser", "pdfminer"))):
        db = tmp_path / f"{parser}.duckdb"
        result = CliRunner().invoke(app, ["ingest", str(sample), "--db", str(db), "--workers",
                                          "1", *args])
        assert result.exit_code == 0, result.output
        assert fetch(db, "SELECT parser FROM reports") == [(parser,)]
