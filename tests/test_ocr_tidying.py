"""What a low-resolution scan does to a report's words and how it is undone before the report
is read, on plain values (no OCR): overlapping word boxes, a lost bracket, a misspelt table
title or row label, a Top Ten going on over a page break, and a dashboard whose own Top Ten row
agrees on most figures but not all. Misreads are the ones Tesseract made of the 100 and 150
dpi scans of the 2019/20 report; the figures are that report's (tests/fixtures/golden)."""

from __future__ import annotations

import pytest

from pipeline.config import ServiceArea, area_catalogue
from pipeline.extract.document import DocumentBlocks, TableBlock
from pipeline.extract.ocr import OcrPage, OcrWord, page_objects, untangled
from pipeline.ocr_tables import (
    bracketed_cell,
    known_area_names,
    known_phrase,
    known_row_label,
)
from pipeline.sections import by_most_figures

LINE = (1, 1, 4)


def _word(text: str, x0: float, x1: float, line: tuple[int, int, int] = LINE) -> OcrWord:
    return OcrWord(text, x0, 109.2, x1, 120.5, 95.0, line)


def test_a_word_boxed_over_the_next_ends_where_the_next_begins():
    """The 150 dpi scan's Top Ten header: Tesseract boxed 'Directorate' from 48.0 to 119.3,
    over '/' and 'Service'. Its letters, spread over that box, came between theirs and the
    header read 'Directo/ rSearvticee Area', so the Top Ten was not recognised."""
    words = [_word("Directorate", 48.0, 119.3), _word("/", 88.3, 92.2),
             _word("Service", 94.8, 118.6), _word("Area", 121.4, 138.2),
             OcrWord("New", 60.0, 125.0, 70.0, 136.0, 95.0, (1, 1, 5))]  # another line
    fixed = untangled(words)
    assert [(w.text, w.x0, w.x1) for w in fixed] == [
        ("Directorate", 48.0, 88.05), ("/", 88.3, 92.2), ("Service", 94.8, 118.6),
        ("Area", 121.4, 138.2), ("New", 60.0, 70.0)]
    page = OcrPage(1, "otsu@300dpi", tuple(fixed), (), 0.0, 1.0)
    chars = sorted((c for c in page_objects(page, 595.0, 1, 0.0)["char"] if c["top"] < 115),
                   key=lambda c: c["x0"])
    assert "".join(c["text"] for c in chars) == "Directorate / Service Area"


@pytest.mark.parametrize(("read", "cell"), [
    ("11% 6%)", "11% (6%)"),     # the 150 dpi scan's Estates Services, S2 not upheld at S1
    ("47 (54", "47 (54)"),
    ("N/A (0%", "N/A (0%)"),
    ("11% (6%)", "11% (6%)"),    # whole: unchanged
    ("1 -", "1"),                # no figure in brackets to restore (a speck left out)
    ("6%)", "6%)"),              # one figure: which year it is, is not known
])
def test_a_top_ten_cell_whose_bracketed_figure_lost_a_bracket_is_read_with_both(read, cell):
    """Only in a Top Ten cell: in the commentary, '(61 received)' is prose, and '(61)' would
    break its restatement of the count."""
    assert bracketed_cell(read) == cell


def test_a_figure_tables_title_one_slip_from_the_vocabulary_is_read_as_it():
    comparative = ["comparative data", "comparison", "year on year"]
    assert known_phrase("Year on yeas: 2019-20 v 2018-19", comparative) == \
        "year on year: 2019-20 v 2018-19"
    # PP-OCR ran the title into its year ('Comparison:2017/18'), and slipped in it.
    assert known_phrase("Camparison:2017/18 2016/17", comparative) == \
        "comparison: 2017/18 2016/17"
    assert known_phrase("Service commitments for 2020/21", comparative) is None
    assert known_phrase("Key themes / concerns", comparative) is None


@pytest.mark.parametrize(("label", "read"), [
    ("Novement", "movement"),      # 100 dpi: the Difference row of Development Management
    ("Diference", "difference"),
    ("Movement", "Movement"),      # already known: unchanged
    ("2019-20", "2019-20"),        # a year
    ("Charge", "Charge"),          # 0.83 from 'change': too far
    ("Total", "Total"),
])
def test_a_row_label_one_slip_from_a_difference_label_is_read_as_it(label, read):
    assert known_row_label(label) == read


def test_the_top_ten_rows_after_a_page_break_have_their_names_read_too():
    """The 2019/20 Top Ten goes on at the top of page 2 with no header of its own: its
    'Environment – Non Retum of Bins' is read as the catalogue's name there too, and its cells'
    lost brackets restored. A later table
    with a header of its own, or of another width, is not the Top Ten's."""
    header = ("Directorate / Service Area", *[f"c{i}" for i in range(10)])
    figures = tuple(["1 (1)"] * 9 + ["1 1)"])
    first = TableBlock(1, 100.0, 300.0, (header, ("Housing – Repalrs", *figures)))
    going_on = TableBlock(2, 40.0, 120.0, (("Environment – Non\nRetum of Bins", *figures),))
    other = TableBlock(3, 40.0, 120.0, (("Environment – Non\nRetum of Bins", "1"),))
    scan = OcrPage(1, "otsu@300dpi", (), (), 0.0, 1.0)
    document = DocumentBlocks("c.pdf", 3, [first, going_on, other],
                              ocr_pages={1: scan, 2: scan, 3: scan})
    tidied = known_area_names(document, area_catalogue(None)).blocks
    assert [b.rows[-1][-1] for b in tidied] == ["1 (1)", "1 (1)", "1"]
    assert [b.rows[-1][0].replace("\u2013", "-") for b in tidied] == [
        "Housing - Repairs", "Environment - Non Return of Bins",
        "Environment - Non\nRetum of Bins"]


# --- a dashboard placed by most of its figures ---------------------------------------------

COLUMNS = ((1, "received"), (1, "upheld_pct"), (1, "escalated"), (2, "received"),
           (2, "upheld_pct"), (2, "upheld_not_upheld_prev_pct"), (2, "escalated"),
           (3, "received"), (3, "upheld_pct"), (3, "upheld_not_upheld_prev_pct"))


def _figures(*rows: tuple[float | None, ...]) -> list[dict]:
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


ESTATES = ServiceArea("Housing", "Estates Services")
SOLUTIONS = ServiceArea("Housing", "Housing Solutions")
REPAIRS = ServiceArea("Housing", "Repairs")
# The Top Ten's rows (this year, last year), as printed.
SUMMARY = {
    REPAIRS: _figures((241, 43, 27, 27, 30, 7, 3, 3, 33, 0), (218, 44, 23, 36, 33, 6, 4, 4, 0, 0)),
    SOLUTIONS: _figures((77, 40, 14, 16, 38, 6, 2, 2, 0, 0), (61, 36, 9, 40, 44, 1, 1, 1, 0, 0)),
    ESTATES: _figures((52, 31, 9, 9, 22, 11, 1, 1, 0, 0), (48, 35, 12, 43, 19, 5, 1, 1, 0, 0)),
}
# The Estates Services dashboard read with a scan's misreads: 14 of its 20 figures agree with
# its Top Ten row (0.70, short of the 0.8 a text report's dashboard is placed by: the 150 dpi
# scan's reading agreed on 0.70 too), Housing Solutions' row on 5, Repairs' on 3.
ESTATES_MISREAD = _figures((52, 31, 9, 9, 2, 1, 1, 1, 0, 0), (48, 3, 2, None, 19, 5, 7, 1, 0, 0))


def test_a_dashboard_most_of_whose_figures_agree_with_one_row_only_takes_that_area():
    assert by_most_figures([ESTATES_MISREAD], set(), SUMMARY) == [ESTATES]
    assert by_most_figures([ESTATES_MISREAD], {ESTATES}, SUMMARY) == [None]  # claimed already
    # Two dashboards taking one area: neither does.
    assert by_most_figures([ESTATES_MISREAD, ESTATES_MISREAD], set(), SUMMARY) == [None, None]


def test_a_dashboard_agreeing_with_no_row_on_most_figures_or_with_two_alike_takes_none():
    half = _figures((52, 31, 9, 9, 22, 0, 0, 0, 9, 9), (0, 0, 0, 0, 0, 9, 9, 9, 9, 9))
    assert by_most_figures([half], set(), SUMMARY) == [None]  # 5 of 20: no majority
    # Two rows alike on most figures: neither is clearly the dashboard's.
    twin = ServiceArea("Housing", "Transforming Homes")
    close = {**SUMMARY, twin: _figures((52, 31, 9, 9, 2, 1, 1, 1, 0, 0),
                                       (0, 0, 0, 0, 0, 0, 0, 0, 0, 0))}
    assert by_most_figures([ESTATES_MISREAD], set(), SUMMARY) == [ESTATES]
    assert by_most_figures([ESTATES_MISREAD], set(), close) == [None]
    # Too few figures compared to tell (a dashboard of which OCR read three cells).
    few = [{(1, "received"): 52.0, (1, "upheld_pct"): 31.0, (1, "escalated"): 9.0}]
    assert by_most_figures([few], set(), SUMMARY) == [None]


# --- a header whose columns cannot be told is read as no header ----------------------------

# The 2017/18 Top Ten's header as Tesseract read it from the 150 dpi scan ('Stage 1 total' as
# 'Stage 1 wral', 'Stage 1 referred to Stage 2' as 'Stage 2 referred te Stage 2').
TOP_TEN_150 = (
    "Service Area", "Stage 1\nwral", "Sage 1\nprepertien\nupheld", "Stage 2\nreferred te\nStage 2",
    "Stage 2\ntotal", "Stage 2\nprepertien\nupheld\n*",
    "Stage 2\nupheld,\nhaving net\nbeen\napheld at\nSage 1", "Stage 2\nreferred te\nStage 3",
    "Stage 3\ntotal", "Stage 3\nropersca\nupheld",
    "Stage 3\nupbeld,\nhaving net\nbeen\nepheld at\nStage 2")


def test_a_header_whose_columns_cannot_be_the_printed_order_is_read_as_no_header():
    """Blanked where unread, that header was read as S1 escalated, -, -, S2 rec'd, S2
    escalated, ...: 'Stage 1 wral' took the column before S2 rec'd. The Top Ten's and the
    dashboard's 'Stage 1 total' (92, 101) were both loaded as S1 escalated, their Difference
    (-9) agreeing. Columns that cannot be in printed order leave every figure cell without a
    header: the figures are quarantined as under an unknown header, never loaded."""
    from pipeline.ocr_tables import columns_fit, tidy_figure_header

    # (That header's phrase slips are now undone, test_a_header_cells_slip_in_a_phrase...;
    # a header still out of order after that, of another width so that no canonical order
    # is read into it:)
    out_of_order = ("Service Area", "Stage 1\nwral", "Stage 2\ntotal", "Stage 1\nescalated",
                    "Stage 2 % upheld", "Stage 3\ntotal")
    assert tidy_figure_header(out_of_order, ["service area"]) == ("Service Area", *[""] * 5)
    canonical = [(1, "received"), (1, "upheld_pct"), (1, "escalated"), (2, "received")]
    assert columns_fit(canonical)
    assert columns_fit([(1, "received"), None, (1, "escalated")])   # a column unread
    assert columns_fit([(1, "received"), (2, "received")])          # columns not printed
    assert not columns_fit([(1, "escalated"), None, None, (2, "received")])  # no room
    assert not columns_fit([(1, "upheld_pct"), (1, "received")])    # out of order
    assert not columns_fit([None, None, None, (1, "escalated")])    # three before the third
    assert not columns_fit([(1, "upheld_not_upheld_prev_pct")])     # stage 1 prints none


# The 2017/18 300 dpi scan's Top Ten header as Tesseract read it: 'proportion' as 'pepewus' and
# 'pepe', 'referred to' as 'referred te', 'having not been' as 'having mot been' and 'shaving
# net been'.
TOP_TEN_300 = (
    "Service Area", "Stage 1\ntotal", "Stage 1\npepewus\nupheld", "Stage 1\nreferred te\nStage 2",
    "Stage 2\ntotal", "Stage 2\npepe\nupheld",
    "Stage 2\nupheld,\nhaving mot\nbeen\nupheld at\nStage 1", "Stage 2\nreferred te\nStage 3",
    "Stage 3\ntotal", "Stage 3\npepe\nupheld",
    "Stage 3\nupheld,\nshaving net\nbeen\nupheld at\nStage 2")
CANONICAL_LABELS = ("S1 rec'd", "S1 % upheld", "S1 escalated", "S2 rec'd", "S2 % upheld",
                    "% of S2 upheld not upheld at S1", "S2 escalated", "S3 rec'd", "S3 % upheld",
                    "% of S3 upheld not upheld at S2")


@pytest.mark.parametrize("header", [TOP_TEN_300, TOP_TEN_150], ids=["300dpi", "150dpi"])
def test_a_header_cells_slip_in_a_phrase_is_read_as_the_phrase(header):
    """'having mot been upheld at Stage 1' named % upheld by its 'upheld at Stage' (the phrase
    'not been upheld at' slipped), 'referred te Stage 2' nothing: the 300 dpi scan's Top Ten
    header could not be in printed order, no column was told and its 200 figures were lost
    (the Non Return of Bins dashboard, told apart by its Top Ten row, lost its prior year
    too). Undone, both scans' headers read as the columns they print."""
    from pipeline.ocr_tables import known_header_cell, tidy_figure_header

    assert known_header_cell("Stage 2\nupheld,\nhaving mot\nbeen\nupheld at\nStage 1") == \
        "Stage 2 upheld, having not been upheld at Stage 1"
    assert known_header_cell("Stage 1\nreferred te\nStage 2") == "Stage 1 referred to stage 2"
    # A cell naming its measure by a phrase checked first is left as read, and so is a cell
    # no phrase is one slip from.
    assert known_header_cell("S2 upheld, not upheld at S1") == "S2 upheld, not upheld at S1"
    assert known_header_cell("Stage 1\npepewus\nupheld") == "Stage 1\npepewus\nupheld"
    assert tidy_figure_header(header, ["service area"]) == ("Service Area", *CANONICAL_LABELS)


def test_unread_header_cells_are_told_only_when_exactly_so_many_columns_fit_between():
    from pipeline.ocr_tables import columns_between

    labels = ["S1 rec'd", "S1 % upheld", "S1 escalated", "S2 rec'd", "S2 % upheld",
              "% of S2 upheld not upheld at S1", "S2 escalated", "S3 rec'd", "S3 % upheld",
              "% of S3 upheld not upheld at S2"]
    read = ["Stage 1 total", "", "Stage 1\nwral", "Stage 2 total", "", "xx", "",
            "Stage 3 total", "", ""]
    assert columns_between(read) == labels  # three named, the rest fit exactly
    # 'Stage 2 ...' where the order needs stage 1's column: nothing is told.
    assert columns_between(["Stage 1 total", "", "Stage 2\nwral", "Stage 2 total", "", "", "",
                            "Stage 3 total", "", ""]) == [""] * 10
    # One cell where two columns go between S1 rec'd and S2 rec'd: which is it? Nothing told.
    assert columns_between(["Stage 1 total", "", "Stage 2 total", "Stage 2 % upheld",
                            "Stage 3 total"]) == [""] * 5
    # Fewer than three cells naming their column: too little to tell the others by.
    assert columns_between(["Stage 1 total", "", "", "Stage 2 total"]) == [""] * 4


def test_a_header_cell_naming_a_column_the_report_does_not_print_is_read_as_no_header():
    """The 2017/18 150 dpi scan read at 450 dpi: a misread cell named stage 1's 'not upheld
    at' (no such column), and mapping the header beside a blank cell stopped the file."""
    from pipeline.ocr_tables import figure_columns

    read = ["Stage 1 total", "Stage 1 upheld, having not been upheld at", "", "Stage 2 total"]
    # The blank is then the canonical column before S2 rec'd, as for any header (columns_between
    # decides whether that can be told).
    assert figure_columns(read) == [(1, "received"), None, (1, "escalated"), (2, "received")]


@pytest.mark.parametrize(("printed", "columns"), [
    (["Stage 1 total", "Stage 1 upheld, having not been upheld at", "", "Stage 2 total"],
     [(1, "received"), (1, "upheld_not_upheld_prev_pct"), (1, "escalated"), (2, "received")]),
    # S3 rec'd, the column before S3 % upheld, is printed already: the blank stays unknown.
    (["S3 rec'd", "S3 escalated to the LGSCO", "", "S3 % upheld"],
     [(3, "received"), (3, "escalated"), None, (3, "upheld_pct")])])
def test_a_blank_header_cell_after_a_column_the_canonical_order_does_not_hold_is_read(
        printed, columns):
    """layout.map_figure_columns raised ValueError ('... is not in list') for a blank cell
    whose neighbour before it names a column the report family does not print (stage 1's
    'not upheld at', as OCR misread the 2017/18 150 dpi scan; or S3 escalated): it looked
    that column up in the canonical order to place the blank. The blank is then placed by
    its next neighbour alone."""
    from pipeline.extract.layout import map_figure_columns

    assert map_figure_columns(printed) == columns


@pytest.mark.parametrize(("scan_dpi", "dpi"), [(150, 450), (199, 450), (200, 300), (300, 300)])
def test_a_coarse_scan_is_first_read_enlarged_three_times(scan_dpi, dpi):
    from pipeline.extract.ocr import first_reading

    reading = first_reading(scan_dpi)
    assert (reading.dpi, reading.binarise, reading.name, reading.recogniser) == (
        dpi, "otsu", f"otsu@{dpi}dpi", "tesseract")


@pytest.mark.parametrize(("scan_dpi", "dpi"), [(100, 200), (120, 240), (149, 298)])
def test_a_scan_under_150_dpi_is_first_read_by_ppocr_enlarged_twice(scan_dpi, dpi):
    from pipeline.extract.ocr import first_reading

    reading = first_reading(scan_dpi)
    assert (reading.dpi, reading.name, reading.recogniser) == (dpi, f"ppocr@{dpi}dpi", "ppocr")


def test_a_comparative_tables_slips_in_its_year_labels_and_year_figures_are_undone():
    """The 2017/18 150 dpi scan's Council Tax dashboard labelled this year's row '217/18' (its
    20 figures were quarantined, the dashboard left without its area); the 2019/20 one read
    Missed Collections' 2 as '- 2' and the 2017/18 300 dpi one a 45% as '- 45%'."""
    from pipeline.ocr_tables import comparative_rows

    rows = (("217/18", "79", "- 45%"), ("2016/17", "- 2", "30%"), ("Change", "- 9", "+3%"),
            ("Movement", "4", "4%"))
    assert comparative_rows("Comparison: 2017/18 vs 2016/17", rows) == (
        ("2017/18", "79", "45%"), ("2016/17", "2", "30%"), ("Change", "- 9", "+3%"),
        ("Movement", "4", "4%"))
    # The title unread: the years come from the other labels (and the years either side).
    assert comparative_rows("Comparteon: 2017/18\nw201@/17", rows[:2])[0][0] == "2017/18"
    # Too far from any year printed: left as read (quarantined as an unknown label).
    assert comparative_rows("Comparison: 2017/18 vs 2016/17", (("21", "79"),)) == (
        ("21", "79"),)


@pytest.mark.parametrize(("read", "year"), [("D17/18", "2017/18"), ("Di6/17", None),
                                            ("2O16/17", "2016/17"), ("x16-17", "2016/17"),
                                            ("18/19", "2018/19"), ("17/1819", None)])
def test_a_year_label_is_the_year_its_two_halves_name(read, year):
    """PP-OCR read the 2017/18 100 dpi scan's '2017/18' as 'D17/18': the century at the cell's
    edge is what OCR slips on; the halves '17/18' say which of the years the table prints it
    is. A label whose halves are themselves misread is left to the similarity rule."""
    from pipeline.ocr_tables import known_year

    assert known_year(read, ["2015/16", "2016/17", "2017/18", "2018/19"]) == year


@pytest.mark.parametrize(("read", "cell"), [("27 -", "27"), ("- 27 (30)", "27 (30)"),
                                            ("-", "-"),
                                            ("1\n- (9)", "1 (9)")])  # 2018/19 at 150 dpi
def test_a_speck_read_as_a_dash_beside_a_top_ten_cells_figures_is_left_out(read, cell):
    assert bracketed_cell(read) == cell
