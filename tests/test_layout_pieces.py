"""The pure pieces that make extraction layout-robust, on plain rows and boxes (no PDF):
page furniture, stitching tables across pages, header grids, name resolution."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from pipeline.config import ServiceArea, area_catalogue
from pipeline.extract.document import TableBlock, TextLine
from pipeline.extract.furniture import furniture_lines, is_page_number
from pipeline.extract.header_grid import column_headers, figure_header_depth
from pipeline.extract.layout import map_figure_columns
from pipeline.extract.stitch import same_columns, stitch_tables
from pipeline.families import accepts_continuation, detect_family

A4_LANDSCAPE = 595.0
COLUMNS = (40.0, 180.0, 240.0, 300.0)
FIGURE_HEADER = ("Comparative Data: 2018-2019 vs. 2017-2018", "S1 rec'd", "% upheld",
                 "S1 escalated")


def _line(page: int, top: float, text: str) -> TextLine:
    return TextLine(page, top, text, top + 10, 40, 400)


def _table(page: int, top: float, rows, column_x=COLUMNS) -> TableBlock:
    return TableBlock(page, top, top + 20 * len(rows), tuple(tuple(r) for r in rows),
                      column_x[0], 500, column_x)


# --- page furniture ----------------------------------------------------------------------

def test_page_numbers_in_any_form():
    for text in ("4", "Page 4", "Page 4 of 12", "- 4 -", "4/12", "p. 4", "iv", "[4]", "4 | 12"):
        assert is_page_number(text), text
    for text in ("2018/19", "Repairs", "44%", "Stage 2", "Page four of the report"):
        assert not is_page_number(text), text


def test_running_header_recurring_in_the_margin_is_furniture():
    pages = {n: A4_LANDSCAPE for n in range(1, 6)}
    running = [_line(n, 20, f"Thurrock Council – 2018/19 Annual Complaints Report Page {n}")
               for n in pages]
    footers = [_line(n, 570, f"{n} of 5") for n in pages]
    heading = _line(2, 45, "Environment & Highways Complaint Dashboard 2018/19")
    heading_again = _line(3, 45, "Environment & Highways Complaint Dashboard 2018/19")
    body = _line(2, 300, "• Complaints for this area cover both teams")
    found = furniture_lines([*running, *footers, heading, heading_again, body], pages)
    assert found == set(running) | set(footers)


def test_text_recurring_mid_page_is_not_furniture():
    pages = {n: A4_LANDSCAPE for n in range(1, 5)}
    lines = [_line(n, 300, "Thurrock Council") for n in pages]
    assert furniture_lines(lines, pages) == set()


# --- stitching ---------------------------------------------------------------------------

def _stitch(blocks, furniture=()):
    return stitch_tables(blocks, set(furniture), detect_family, accepts_continuation)


def test_table_continued_without_its_header_after_a_running_footer_and_header():
    first = _table(3, 400, [FIGURE_HEADER, ("2018-2019", "61", "36%", "9")])
    footer, header = _line(3, 570, "Page 3"), _line(4, 20, "Annual Complaints Report")
    rest = _table(4, 60, [("2017-2018", "68", "26%", "17"), ("Difference", "-7", "+10%", "-8")])
    [table] = _stitch([first, footer, header, rest], {footer, header})
    assert table.family == "comparative"
    assert [r[0] for r in table.rows] == [FIGURE_HEADER[0], "2018-2019", "2017-2018",
                                          "Difference"]
    assert table.row_pages == [3, 3, 4, 4]
    assert table.part_starts == {2}


def test_a_page_of_nothing_but_furniture_between_the_parts_is_passed_over():
    first = _table(2, 400, [FIGURE_HEADER, ("2018-2019", "61", "36%", "9")])
    blank_page = [_line(3, 20, "Annual Complaints Report"), _line(3, 570, "- 3 -")]
    rest = _table(4, 60, [("2017-2018", "68", "26%", "17"), ("Difference", "-7", "+10%", "-8")])
    [table] = _stitch([first, *blank_page, rest], blank_page)
    assert table.row_pages == [2, 2, 4, 4]
    a_page_of_text = _line(3, 300, "Compliments received this year")
    assert len([t for t in _stitch([first, a_page_of_text, rest]) if
                not isinstance(t, TextLine)]) == 2


def test_repeated_header_is_dropped_once():
    first = _table(3, 400, [FIGURE_HEADER, ("2018-2019", "61", "36%", "9")])
    rest = _table(4, 60, [FIGURE_HEADER, ("2017-2018", "68", "26%", "17")])
    [table] = _stitch([first, rest])
    assert [r[0] for r in table.rows] == [FIGURE_HEADER[0], "2018-2019", "2017-2018"]
    assert table.header_repeats == 1


def test_not_stitched_when_text_stands_between_or_columns_move():
    first = _table(3, 400, [FIGURE_HEADER, ("2018-2019", "61", "36%", "9")])
    rest = _table(4, 60, [("2017-2018", "68", "26%", "17")])
    heading = _line(4, 30, "Housing – Complaint Dashboard 2018/19")
    assert len([t for t in _stitch([first, heading, rest]) if not isinstance(t, TextLine)]) == 2
    moved = _table(4, 60, [("2017-2018", "68", "26%", "17")], (40.0, 150.0, 240.0, 300.0))
    assert len(_stitch([first, moved])) == 2
    not_at_foot = [first, _line(3, 500, "A footnote under the table."), rest]
    assert len([t for t in _stitch(not_at_foot) if not isinstance(t, TextLine)]) == 2


def test_a_complete_comparative_table_takes_no_more_rows():
    first = _table(3, 400, [FIGURE_HEADER, ("2018-2019", "61", "36%", "9"),
                            ("2017-2018", "68", "26%", "17"), ("Difference", "-7", "+10%", "-8")])
    rest = _table(4, 60, [("2018-2019", "48", "35%", "12")])
    assert len(_stitch([first, rest])) == 2


def test_columns_compared_relative_to_the_left_edge():
    assert same_columns((40, 180, 240), (52, 192, 252))  # a wider left margin on even pages
    assert not same_columns((40, 180, 240), (40, 170, 240))
    assert not same_columns((40, 180, 240), (40, 180))


# --- header grids ------------------------------------------------------------------------

GROUPED = [
    ("Directorate & Area", "Stage 1", None, None, "Stage 2", None),
    (None, "received", "% upheld", "escalated", "received", "% upheld"),
    ("Housing – Repairs", "218\n(186)", "44%\n(38%)", "23\n(17)", "36\n(48)", "33%\n(43%)"),
]
GROUPED_ORIGINS = [
    [(0, 0), (0, 1), (0, 1), (0, 1), (0, 4), (0, 4)],
    [(0, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5)],
    [(2, 0), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5)],
]


def test_grouped_header_is_read_column_by_column():
    assert figure_header_depth(GROUPED) == 2
    headers = column_headers(GROUPED, GROUPED_ORIGINS, 2)
    assert headers == ["Directorate & Area", "Stage 1 received", "Stage 1 % upheld",
                       "Stage 1 escalated", "Stage 2 received", "Stage 2 % upheld"]
    assert map_figure_columns(headers[1:]) == [(1, "received"), (1, "upheld_pct"),
                                               (1, "escalated"), (2, "received"),
                                               (2, "upheld_pct")]
    assert detect_family(GROUPED, GROUPED_ORIGINS) == ("top_ten", 2)


def test_grouped_header_without_geometry_reads_merged_cells_from_the_left():
    assert column_headers(GROUPED, None, 2)[1:4] == ["Stage 1 received", "Stage 1 % upheld",
                                                      "Stage 1 escalated"]


def test_a_title_across_the_table_names_the_table_not_each_column():
    rows = [("Comparative Data: 2018-2019 vs. 2017-2018", None, None),
            ("", "S1 rec'd", "% upheld"), ("2018-2019", "218", "44%")]
    origins = [[(0, 0), (0, 0), (0, 0)], [(1, 0), (1, 1), (1, 2)], [(2, 0), (2, 1), (2, 2)]]
    assert detect_family(rows, origins) == ("comparative", 2)
    assert column_headers(rows, origins, 2) == ["Comparative Data: 2018-2019 vs. 2017-2018",
                                                "S1 rec'd", "% upheld"]


# --- names ---------------------------------------------------------------------------------

def test_names_resolve_whatever_shape_or_directorate_they_are_printed_in():
    catalogue = area_catalogue()
    council_tax = ServiceArea("Finance", "Council Tax")
    assert catalogue.resolve("Council Tax") == (council_tax, None)
    assert catalogue.resolve("Finance – Council Тах") == (council_tax, "Finance")
    assert catalogue.resolve("Finance & IT – Council Tax") == (council_tax, "Finance")
    # a reorganisation: the area is resolved, the printed directorate recorded
    assert catalogue.resolve("Place – Council Tax") == (council_tax, "Place")
    assert catalogue.resolve("Place – Parking") == (None, None)


def test_a_row_left_open_at_the_page_foot_is_closed():
    from pipeline.extract.document import _closing_rules

    def rule(x0, top, x1, bottom):
        return {"x0": x0, "x1": x1, "top": top, "bottom": bottom,
                "orientation": "v" if x0 == x1 else "h"}

    edges = [rule(71, 394, 771, 394), rule(71, 478, 771, 478),  # a closed row...
             rule(71, 394, 71, 478), rule(771, 394, 771, 478),
             rule(71, 478, 71, 517), rule(342, 478, 342, 517), rule(771, 478, 771, 517)]
    [closing] = _closing_rules(edges)  # ...and one cut by the page break, open at 517
    assert (closing["x0"], closing["x1"], closing["top"]) == (71, 771, 517.0)
    assert _closing_rules(edges[:4]) == []


def test_a_header_printed_again_inside_a_table_is_not_data():
    from pipeline.extract.stitch import StitchedTable

    header = ("Analysis – key themes / concerns", "Comments to explain:", "Additional")
    table = StitchedTable("analysis", [header, ("", "", ""), header,
                                       ("45% of Stage 1 complaints", "Reports.", "Fine.")],
                          [17, 17, 17, 17])
    assert [row for row, _, _ in table.body()] == [("", "", ""),
                                                   ("45% of Stage 1 complaints", "Reports.",
                                                    "Fine.")]


def test_a_grouped_stage_over_a_blank_measure_cell_takes_the_canonical_column():
    headers = ["Stage 1", "Stage 1 % upheld", "Stage 1 escalated", "Stage 2 received"]
    assert map_figure_columns(headers) == [(1, "received"), (1, "upheld_pct"),
                                           (1, "escalated"), (2, "received")]
    # never a column of another stage
    assert map_figure_columns(["Stage 2", "Stage 1 % upheld"])[0] is None


def test_the_table_a_dashboard_opens_with_is_learnt_from_the_report():
    from pipeline.extract.stitch import StitchedTable
    from pipeline.families.base import ReportContext
    from pipeline.sections import dashboard_opener, split_sections

    def comparative(page):
        return StitchedTable("comparative", [FIGURE_HEADER, ("2018-2019", "61", "36%", "9")],
                             [page, page])

    def commitments(page):
        return StitchedTable("commitments", [
            ("", "Service commitments submitted by the service for the year 2018/2019",
             "Progress summary provided by the service"), ("1", "Do it.", "Done.")], [page] * 2)

    figures_first = [_line(2, 40, "Housing – Complaint Dashboard 2018/19"), comparative(2),
                     commitments(2), _line(3, 40, "Finance & IT Complaint Dashboard 2018/19"),
                     comparative(3), commitments(3), comparative(4), commitments(4)]
    context = ReportContext("2018/19")
    assert dashboard_opener(figures_first, "2018/19", context) == "comparative"
    layout = split_sections(figures_first, "2018/19", context)
    assert [[t.family for t in s.tables] for s in layout.sections] == [
        ["comparative", "commitments"]] * 3
    commitments_first = [figures_first[0], commitments(2), comparative(2), figures_first[3],
                         commitments(3), comparative(3), commitments(4), comparative(4)]
    assert dashboard_opener(commitments_first, "2018/19", context) == "commitments"
    layout = split_sections(commitments_first, "2018/19", context)
    assert [[t.family for t in s.tables] for s in layout.sections] == [
        ["commitments", "comparative"]] * 3


def test_a_dashboards_second_commitments_table_starts_the_next_dashboard():
    """Even where the headings suggest the figures come first, this year's commitments after a
    dashboard's own commitments belong to the next (heading-less) dashboard."""
    from pipeline.extract.stitch import StitchedTable
    from pipeline.families.base import ReportContext
    from pipeline.sections import split_sections

    def table(family, header, page):
        return StitchedTable(family, [header, ("1", "x", "y")[:len(header)]], [page, page])

    comparative = (FIGURE_HEADER[0], *FIGURE_HEADER[1:])
    current = ("", "Service commitments submitted by the service for the year 2018/2019",
               "Progress summary provided by the service")
    upcoming = ("", "Service commitments submitted by the service for the year 2019/2020")
    items = [_line(2, 40, "Housing – Complaint Dashboard 2018/19"),
             table("comparative", comparative, 2), table("commitments", upcoming, 2),
             _line(3, 40, "Finance & IT Complaint Dashboard 2018/19"),
             table("comparative", comparative, 3), table("commitments", upcoming, 3),
             table("commitments", current, 4), table("comparative", comparative, 4)]
    layout = split_sections(items, "2018/19", ReportContext("2018/19"))
    assert [[(t.family, t.page) for t in s.tables] for s in layout.sections] == [
        [("comparative", 2), ("commitments", 2)], [("comparative", 3), ("commitments", 3)],
        [("commitments", 4), ("comparative", 4)]]


def test_figures_after_a_dashboards_unread_figures_and_analysis_start_the_next_dashboard():
    """Environment & Highways prints two dashboards under one directorate heading; the first's
    Comparative Data header was cut by a page break, so its figures were not read. Its
    Analysis table is not the second dashboard's: this report prints the Analysis after the
    figures, so figures arriving after an Analysis table open the next dashboard."""
    from pipeline.extract.stitch import StitchedTable
    from pipeline.families.base import ReportContext
    from pipeline.sections import split_sections

    def table(family, header, page, body=("1", "x", "y")):
        return StitchedTable(family, [header, body[:len(header)]], [page, page])

    analysis = ("Analysis – key themes / concerns", "Comments to explain:",
                "Additional commentary from the Complaints Team")
    stage_1 = ("Stage 1: 72% of the 148 complaints received were upheld.", "Bartec.", "Good.")
    unread = StitchedTable(None, [("upheld", "upheld"), ("2019-20", "148")], [4, 4])
    items = [_line(2, 40, "Children's – Complaint Dashboard 2019/20"),
             table("comparative", FIGURE_HEADER, 2), table("analysis", analysis, 2, stage_1),
             _line(3, 40, "Environment & Highways – Complaint Dashboard 2019/20"),
             unread, table("analysis", analysis, 4, stage_1),
             table("comparative", FIGURE_HEADER, 4), table("analysis", analysis, 4, stage_1)]
    layout = split_sections(items, "2019/20", ReportContext("2019/20"))
    assert [[(t.family, t.page) for t in s.tables] for s in layout.sections] == [
        [("comparative", 2), ("analysis", 2)], [(None, 4), ("analysis", 4)],
        [("comparative", 4), ("analysis", 4)]]
    # A report that prints the Analysis before the figures keeps them together.
    analysis_first = [items[0], items[2], items[1], items[3], items[5], items[6]]
    layout = split_sections(analysis_first, "2019/20", ReportContext("2019/20"))
    assert [[t.family for t in s.tables] for s in layout.sections] == [
        ["analysis", "comparative"]] * 2


# --- room at a page's foot, and unnumbered commitments continued on the next page ----------

COMMITMENTS_HEADER = ("Our commitments for 2018/19", "Progress")


def _pages_of_text(*pages: int, foot: float = 780.0) -> list[TextLine]:
    """Body text filling `pages` down to the text area's foot (lines 10 pt high)."""
    return [TextLine(page, top, "Body text.", top + 10, 40, 400)
            for page in pages for top in (foot - 30, foot - 10)]


def test_the_text_areas_foot_is_where_two_pages_end_and_a_stray_line_does_not_move_it():
    from pipeline.extract.stitch import text_area_feet

    body = _pages_of_text(1, 2, foot=780.0) + [TextLine(3, 805, "stray", 815, 40, 100)]
    assert text_area_feet(body, {1: 842.0, 2: 842.0, 3: 842.0}) == {842.0: 780.0}
    assert text_area_feet(_pages_of_text(1), {1: 842.0}) == {}  # one page shows nothing


def _commitments_split(first_bottom_rows: int):
    """A commitments table on page 3 whose part ends `first_bottom_rows` rows of 20 pt above
    the foot (780), continued without its header on page 4."""
    top = 780 - 20 * (2 + first_bottom_rows)
    first = _table(3, top, [COMMITMENTS_HEADER, ("Train staff in complaint handling.", "Done.")],
                   (40.0, 300.0))
    rest = _table(4, 60, [("Review the website.", "Under way.")], (40.0, 300.0))
    blocks = _pages_of_text(1, 2) + [first, rest]
    [table] = [t for t in stitch_tables(blocks, set(), detect_family, accepts_continuation,
                                        {p: 842.0 for p in (1, 2, 3, 4)})
               if not isinstance(t, TextLine)]
    return table


def test_the_room_a_part_left_at_its_pages_foot_is_measured_in_body_lines():
    table = _commitments_split(first_bottom_rows=3)
    assert table.part_starts == {2}
    assert table.part_room == {2: 6.0}  # 60 pt of 10 pt lines
    assert table.room_before(table.rows[2]) == 6.0
    assert table.room_before(table.rows[1]) is None


def test_an_unnumbered_row_opening_a_page_is_joined_kept_or_left_undecided_by_evidence():
    from pipeline.families.commitments import MOVED_ROW_ROOM, continues_item_above

    above = {"commitment": "Train staff in complaint handling.", "progress": "Done."}
    room = MOVED_ROW_ROOM + 1
    # a new item: the part above left its page's foot empty, and no sentence was left open
    assert continues_item_above(above, "Review the website.", "Under way.", room) is False
    # the rest of the item above: no commitment of its own, or a sentence carried on
    assert continues_item_above(above, None, "More to do.", room) is True
    cut = {"commitment": "Train staff in complaint", "progress": "Done."}
    assert continues_item_above(cut, "handling.", None, 0.0) is True
    # undecided: the page was full (a row may have been cut), a sentence was left open, or
    # nothing shows where the page's foot is
    assert continues_item_above(above, "Review the website.", "Under way.", 1.0) is None
    open_above = {"commitment": "Train staff and", "progress": "Done."}
    assert continues_item_above(open_above, "Review the website.", None, room) is None
    assert continues_item_above(above, "Review the website.", "Under way.", None) is None


def test_a_repeated_header_cut_through_another_word_is_the_same_header():
    """The aligned strategy put a column boundary through 'Stage' on one page ('Stag|e 2')
    and elsewhere on the next ('Sta|ge 2'): the same header, so the part continues it."""
    first = _table(4, 700, [("Comparison", "Stag\npercentage", "e 2\nnot upheld"),
                            ("2018-2019", "29%", "7%"), ("2017-2018", "63%", "0%")],
                   (40.0, 180.0, 240.0))
    rest = _table(5, 60, [("Comparison", "Sta\npercentage", "ge 2\nnot upheld"),
                          ("Difference", "-34%", "+7%")], (40.0, 180.0, 240.0))
    [table] = _stitch([first, rest])
    assert [r[0] for r in table.rows] == ["Comparison", "2018-2019", "2017-2018", "Difference"]


def test_a_repeated_header_whose_bullet_a_scan_read_once_is_the_same_header():
    """2018/19 scanned at 300 dpi: OCR read the Analysis header's bullet as '*' on one page and
    not at all on the next; the part with the cut row's tail still continues the table."""
    header = ("Analysis - key themes", "Comments to explain:\n* Provide a summary", "Team")
    first = _table(5, 700, [header, ("41% of Stage 1 upheld. Complaints related to", "Each",
                                     "Fine.")])
    rest = _table(6, 60, [(header[0], header[1].replace("* ", ""), header[2]),
                          ("works.", "without asking.", ""), ("29% of Stage 2's", "Less.", "")])
    [table] = _stitch([first, rest])
    assert table.part_starts == {2}
    assert [r[0] for r in table.rows[1:]] == ["41% of Stage 1 upheld. Complaints related to",
                                              "works.", "29% of Stage 2's"]


def test_a_header_printed_alone_at_a_pages_foot_is_not_text():
    """The browser printed the Analysis header at the foot of a page and again, with the
    first row, on the next: the lines at the foot are that header, not notes or data; a line
    that does not open as the header does stays text."""
    lines = [_line(8, 780, "Analysis – key themes / concerns Comments to explain:"),
             _line(8, 791, "• Provide progress")]
    rest = _table(9, 60, [("Analysis – key themes / concerns", "Comments to explain: • "
                           "Provide progress", "Additional"), ("45% upheld", "Done.", "Fine.")])
    items = stitch_tables(lines + [rest], set(), detect_family, accepts_continuation)
    assert [type(item).__name__ for item in items] == ["StitchedTable"]
    note = _line(8, 780, "Progress: comments to explain")
    items = stitch_tables([note, rest], set(), detect_family, accepts_continuation)
    assert items[0] == note


def test_a_header_repeated_alone_at_the_top_of_the_next_page_is_not_notes():
    """The browser repeated the Analysis header at the top of the page after the table's
    last row: its bullet lines are that header, and open no dashboard as notes would."""
    table = _table(5, 700, [("Analysis – key themes / concerns", "Comments to explain: • "
                             "Provide progress", "Additional"), ("45% upheld", "Done.", "Fine.")])
    lines = [_line(6, 55, "Analysis – key themes / concerns Comments to explain:"),
             _line(6, 64, "• Provide progress Additional")]
    items = stitch_tables([table, *lines], set(), detect_family, accepts_continuation)
    assert [type(item).__name__ for item in items] == ["StitchedTable"]


def test_a_cell_ending_lines_above_its_rows_foot_was_not_cut_by_the_page_break():
    from pipeline.extract.stitch import FOOT_CUT_LINES, cut_columns

    # a commitment of one line beside a progress note of six (12 pt apart): the note may have
    # been cut at the foot, the commitment ended five lines above it and was whole
    assert cut_columns((110.0, 170.0), 12.0) == (False, True)
    # within the lines widow and orphan control move on, either cell may have been cut
    assert cut_columns((170.0 - FOOT_CUT_LINES * 12.0, 170.0), 12.0) == (True, True)
    assert cut_columns((None, 170.0), 12.0) == (None, True)  # an empty cell: no evidence
    assert cut_columns((110.0, 170.0), None) == ()  # no cell of two lines: no pitch, no call


def test_a_rows_last_cell_bottoms_pass_to_the_part_that_continues_it():
    first = replace(_table(3, 660, [COMMITMENTS_HEADER, ("Train staff.", "Done.")],
                           (40.0, 300.0)), last_row_bottoms=(652.0, 720.0), last_row_pitch=12.0)
    rest = _table(4, 60, [("Review the website.", "Under way.")], (40.0, 300.0))
    [table] = [t for t in stitch_tables(_pages_of_text(1, 2) + [first, rest], set(),
                                        detect_family, accepts_continuation,
                                        {p: 842.0 for p in (1, 2, 3, 4)})
               if not isinstance(t, TextLine)]
    assert table.cut_columns_before(table.rows[2]) == (False, True)
    assert table.cut_columns_before(table.rows[1]) == ()


def test_a_row_printing_text_where_the_row_above_ended_early_is_a_new_item():
    from pipeline.families.commitments import continues_item_above

    above = {"commitment": "Train staff in complaint handling.", "progress": "Done."}
    # the page was full: undecided without the layout; a new item once the commitment
    # column is known to have ended above the foot
    assert continues_item_above(above, "Review the website.", "Under way.", 0.0) is None
    assert continues_item_above(above, "Review the website.", "Under way.", 0.0,
                                ended_above=True) is False
    # a sentence left open above and a layout saying no cell was cut disagree: undecided
    open_above = {"commitment": "Train staff and", "progress": "Done."}
    assert continues_item_above(open_above, "review the website.", None, 0.0,
                                ended_above=True) is None


def test_each_cells_text_ends_at_its_lowest_character_and_the_row_gives_its_line_pitch():
    from pipeline.extract.cells import CharIndex
    from pipeline.extract.page_break import text_bottoms

    def line(x0: float, top: float, text: str) -> list[dict]:
        return [{"text": ch, "x0": x0 + 5 * k, "x1": x0 + 5 * k + 5, "top": top,
                 "bottom": top + 10, "upright": True} for k, ch in enumerate(text)]

    chars = line(42, 602, "One line.") + [c for top in (602, 614, 626) for c in
                                           line(302, top, "A note")]
    row = SimpleNamespace(bbox=(40, 600, 500, 640),
                          cells=[(40, 600, 300, 640), None, (300, 600, 500, 640)])
    assert text_bottoms(row, CharIndex(chars)) == ((612.0, None, 636.0), 12.0)
    lone = SimpleNamespace(bbox=(40, 600, 500, 640), cells=[(40, 600, 300, 640)])
    assert text_bottoms(lone, CharIndex(line(42, 602, "One line."))) == ((612.0,), None)


def _chars(x0: float, top: float, text: str, size: float = 10.0) -> list[dict]:
    """Characters of one printed line, 5 pt each (a space included)."""
    return [{"text": ch, "x0": x0 + 5 * k, "x1": x0 + 5 * k + 5, "top": top,
             "bottom": top + size, "size": size, "upright": True} for k, ch in enumerate(text)]


def test_a_last_lines_room_is_measured_against_the_furthest_line_of_its_column():
    """Two rows of a commitments table (cells 40-300 and 300-500, 5 pt characters): how far
    each column's lines reach in any row is the least its right margin can be, and the room
    beside the last row's last line is measured against it."""
    from pipeline.extract.cells import CharIndex
    from pipeline.extract.page_break import last_line_room

    chars = (_chars(42, 602, "Improve the handling of complaints ab")  # to 227
             + _chars(302, 602, "Started and going well this year")  # to 462
             + _chars(302, 614, "ok")
             + _chars(42, 642, "Train staff.")  # to 102
             + _chars(302, 642, "A note of two lines") + _chars(302, 654, "Done."))  # to 327
    rows = [SimpleNamespace(bbox=(40, 600, 500, 640),
                            cells=[(40, 600, 300, 640), (300, 600, 500, 640)]),
            SimpleNamespace(bbox=(40, 640, 500, 680),
                            cells=[(40, 640, 300, 680), (300, 640, 500, 680)])]
    table = SimpleNamespace(rows=rows)
    assert last_line_room(table, CharIndex(chars)) == (125.0, 135.0)
    merged = SimpleNamespace(rows=[SimpleNamespace(bbox=(40, 640, 500, 680),
                                                   cells=[(40, 640, 300, 680), None])])
    assert last_line_room(merged, CharIndex(_chars(42, 642, "Train staff."))) == (0.0, None)


def test_a_cells_first_word_is_measured_with_the_space_after_it():
    from pipeline.extract.cells import CharIndex
    from pipeline.extract.page_break import first_word_widths

    chars = _chars(42, 602, "Review the website") + _chars(42, 614, "and the forms")
    row = SimpleNamespace(bbox=(40, 600, 500, 640),
                          cells=[(40, 600, 300, 640), (300, 600, 500, 640), None])
    # 'Review' is 6 characters of 5 pt, and its space 5 pt; an empty cell and a merged one
    # have no first word
    assert first_word_widths(row, CharIndex(chars)) == (35.0, None, None)
    no_space = [c for c in _chars(42, 602, "Review") + _chars(82, 602, "it")]
    assert first_word_widths(SimpleNamespace(bbox=row.bbox, cells=[row.cells[0]]),
                             CharIndex(no_space)) == (32.5,)  # a gap, so a quarter em


def test_a_paragraph_ended_above_the_break_where_the_next_word_would_have_fit():
    from pipeline.extract.stitch import PARAGRAPH_ROOM_SLACK, paragraph_ends

    # 40 pt left beside the last line: a 35 pt word would have been set there, so that
    # paragraph ended; 20 pt left: a cut paragraph may fill its line that far; 36 pt left is
    # within the slack the two page sources' line ends differ by: no verdict on a hair
    assert paragraph_ends((40.0, 20.0), (35.0, 35.0)) == (True, False)
    assert paragraph_ends((35.0 + PARAGRAPH_ROOM_SLACK, 36.0), (35.0, 35.0)) == (True, False)
    assert paragraph_ends((40.0, None), (None, 35.0)) == (None, None)  # an empty cell
    assert paragraph_ends((40.0,), (35.0, 35.0)) == ()  # other columns: no evidence


def test_a_row_opening_a_page_is_a_new_item_where_every_paragraph_above_ended():
    """Unnumbered commitments, the page full above the break (room 0): the commitment and
    the progress note above both ended their paragraph with room to spare on their last
    line, so this row is not their rest. One column alone may be a cell of two paragraphs
    cut between them, so it decides nothing."""
    from pipeline.families.commitments import _paragraphs_ended, continues_item_above

    first = _table(3, 700, [COMMITMENTS_HEADER, ("Train staff.", "Done.")], (40.0, 300.0))
    rest = _table(4, 60, [("Review the website.", "Under way.")], (40.0, 300.0))

    def split(room, first_words):
        blocks = [replace(first, last_line_room=room),
                  replace(rest, first_word_widths=(first_words,))]
        [table] = [t for t in stitch_tables(blocks, set(), detect_family,
                                            accepts_continuation)
                   if not isinstance(t, TextLine)]
        return table

    both = split((200.0, 180.0), (35.0, 30.0))
    assert both.paragraph_ends_before(both.rows[2]) == (True, True)
    assert _paragraphs_ended(both, both.rows[2], (0, 1)) is True
    one = split((200.0, None), (35.0, 30.0))
    assert _paragraphs_ended(one, one.rows[2], (0, 1)) is False
    full = split((200.0, 10.0), (35.0, 30.0))
    assert _paragraphs_ended(full, full.rows[2], (0, 1)) is False

    above = {"commitment": "Train staff.", "progress": "Done."}
    assert continues_item_above(above, "Review the website.", "Under way.", 0.0) is None
    assert continues_item_above(above, "Review the website.", "Under way.", 0.0,
                                paragraphs_ended=True) is False
    # a sentence left open above ('... and') contradicts it: undecided
    open_above = {"commitment": "Train staff and", "progress": "Done."}
    assert continues_item_above(open_above, "review the website.", "Under way.", 0.0,
                                paragraphs_ended=True) is None


def test_a_commitment_continued_on_the_next_page_that_mentions_analysis_is_no_analysis_header():
    """Fuzz 1153 (Word, blank number column): next year's commitments continued on page 8 with
    one row, 'Lead on customer information and analysis ...' beside an empty number cell. Its
    first printed cell names the Analysis family's phrase, but a long sentence is body text:
    the row continues the commitments table, and the dashboard's Analysis table that follows
    is its first, not a second one opening the next dashboard."""
    row = ("", "Lead on customer information and analysis from the customer feedback "
               "transforming homes programme. To provide quarterly review of trends with "
               "suggested improvements.")
    assert detect_family([row]) == (None, 1)
    assert detect_family([("", "Analysis – key themes / concerns")])[0] == "analysis"
    # A few words and a full stop are a header with a speck OCR read as one (the 2017/18
    # 150 dpi scan's page 3), not a sentence.
    assert detect_family([("Analysis— key themes.", "Service response and progress going "
                           "forward", "Complaints Team comments")])[0] == "analysis"
    assert detect_family([("", "Analysis of the key themes shows fewer complaints.")]) == \
        (None, 1)
    assert detect_family([("", "Improve complaint analysis.")]) == (None, 1)  # a sentence
    first = _table(7, 700, [("", "Service commitments for 2019/20"), ("", "Provide QA.")],
                   (36.0, 67.0))
    rest = _table(8, 60, [row], (36.0, 67.0))
    [table] = _stitch([first, rest])
    assert (table.family, len(table.rows), table.row_pages) == ("commitments", 3, [7, 7, 8])
