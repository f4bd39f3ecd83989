"""The `aligned` table strategy on plain word boxes (no PDF): columns from the gutters of the
data rows, rows from gaps and horizontal edges, headers given to the columns they span."""

from __future__ import annotations

from pipeline.extract.cells import WORDS
from pipeline.extract.strategies.aligned import find_grids
from pipeline.extract.strategies.aligned_grid import grid_edges
from pipeline.extract.strategies.aligned_lines import (
    HorizontalEdge,
    WordBox,
    is_data_line,
    is_running_line,
    text_rows,
)

SIZE = 9.0
LINE = 10.5  # one line of 9 pt text to the next within a cell
ROW = 17.0  # one table row to the next: cell padding between them


def words(top: float, *cells: tuple[float, str]) -> list[WordBox]:
    """Words of one printed line: (x0, text) per printed cell, 5 pt per character and a
    2.5 pt space between a cell's words."""
    boxes = []
    for x0, text in cells:
        for word in text.split():
            boxes.append(WordBox(word, x0, x0 + 5.0 * len(word), top, top + SIZE, SIZE))
            x0 += 5.0 * len(word) + 2.5
    return boxes


COLUMNS_X = (40.0, 150.0, 200.0, 250.0)  # label, then three figure columns


def figure_table(top: float, header: bool = True) -> list[WordBox]:
    boxes = []
    if header:
        boxes += words(top, (40.0, "Comparative Data"), (150.0, "rec'd"), (200.0, "%"),
                       (250.0, "esc."))
        top += ROW
    for label, figures in (("2018-2019", ("218", "44%", "23")), ("2017-2018", ("186", "38%",
                                                                              "17")),
                           ("Difference", ("+32", "+6%", "+6"))):
        boxes += words(top, (40.0, label), *zip(COLUMNS_X[1:], figures, strict=True))
        top += ROW
    return boxes


def test_a_label_and_figures_is_a_data_row_and_prose_with_numbers_is_not():
    [data] = text_rows(words(0, (40, "Housing – Repairs"), (150, "218"), (200, "(44%)"),
                             (250, "N/A")))
    [prose] = text_rows(words(0, (40, "KPI with only 33% upheld (from 36 received)")))
    [header] = text_rows(words(0, (40, "stage 1"), (150, "stage 2")))
    assert is_data_line(data)
    assert not is_data_line(prose)
    assert not is_data_line(header)


def test_figure_table_columns_come_from_the_gutters_of_its_data_rows():
    [grid] = find_grids(figure_table(100.0))
    assert grid.kind == "figures"
    assert grid.header_rows == 1
    assert len(grid.rows) == 5  # top, three boundaries, bottom: header + 3 data rows
    assert len(grid.columns) == 5  # four columns
    # Each inner boundary lies in the gutter between the widest word left of it and the
    # narrowest right of it ("Comparative Data" is wider than any label below it).
    label_end = 40.0 + 5 * len("ComparativeData") + 2.5
    assert label_end < grid.columns[1] < 150.0
    assert 150.0 + 15 < grid.columns[2] < 200.0
    assert 200.0 + 15 < grid.columns[3] < 250.0


def test_rows_without_a_header_are_a_table_without_header_rows():
    [grid] = find_grids(figure_table(100.0, header=False))
    assert grid.header_rows == 0
    assert len(grid.rows) == 4


def test_a_wrapped_label_line_stays_in_its_row():
    boxes = words(100.0, (40.0, "Place –"), (150.0, "24"), (200.0, "21%"), (250.0, "10"))
    boxes += words(100.0 + LINE, (40.0, "Development"), (150.0, "(99)"), (200.0, "(17%)"),
                   (250.0, "(18)"))
    boxes += words(100.0 + 2 * LINE, (40.0, "Management"))
    boxes += words(100.0 + 2 * LINE + ROW, (40.0, "SEN"), (150.0, "22"), (200.0, "45%"),
                   (250.0, "4"))
    [grid] = find_grids(boxes)
    assert len(grid.rows) == 3  # two rows: the three lines of the first are one row
    assert grid.rows[1] > 100.0 + 2 * LINE + SIZE


def test_shading_edges_split_rows_that_no_gap_separates():
    """Word's cells have no top or bottom padding: zebra shading tells the rows apart."""
    boxes = []
    for index, label in enumerate(("2018-2019", "2017-2018", "Difference")):
        boxes += words(100.0 + index * LINE, (40.0, label), (150.0, "1"), (200.0, "2"),
                       (250.0, "3"))
    assert len(find_grids(boxes)[0].rows) == 2  # one row of three lines, without evidence
    shading = [HorizontalEdge(100.0 + LINE - 0.7, 30.0, 300.0),
               HorizontalEdge(100.0 + 2 * LINE - 0.7, 30.0, 300.0)]
    assert len(find_grids(boxes, shading)[0].rows) == 4


def test_a_grouped_header_row_spans_the_columns_nearest_each_group():
    boxes = words(80.0, (40.0, "Comparison"), (180.0, "Stage 1"), (305.0, "Stage 2"))
    boxes += words(80.0 + ROW, (150.0, "rec'd"), (200.0, "%"), (250.0, "esc."),
                   (300.0, "rec'd"), (350.0, "%"))
    top = 80.0 + 2 * ROW
    for label in ("2018/19", "2017/18"):
        boxes += words(top, (40.0, label), (150.0, "218"), (200.0, "44%"), (250.0, "23"),
                       (300.0, "36"), (350.0, "33%"))
        top += ROW
    [grid] = find_grids(boxes)
    assert grid.header_rows == 2
    # The upper header row opens cells at the label column and at each stage's first column.
    assert grid.groups == {0: (0, 1, 4)}
    vertical, _ = grid_edges(grid)
    upper = (grid.rows[0], grid.rows[1])
    inside_groups = [e for e in vertical if (e["top"], e["bottom"]) == upper
                     and e["x0"] in (grid.columns[2], grid.columns[3], grid.columns[5])]
    assert inside_groups == []  # no column line inside a group: pdfplumber merges the cell


def test_a_text_table_is_anchored_on_a_header_naming_its_family():
    boxes = words(100.0, (40.0, "Analysis"), (200.0, "Service response"))
    top = 100.0 + ROW
    for first, second in (("Stage one", "Contractors now"), ("Late repairs", "Training")):
        boxes += words(top, (40.0, first), (200.0, second))
        boxes += words(top + LINE, (40.0, "more"), (200.0, "text"))
        top += LINE + ROW
    [grid] = find_grids(boxes)
    assert grid.kind == "text"
    assert grid.header_rows == 1
    assert len(grid.rows) == 4  # header and two rows of two lines each
    assert len(grid.columns) == 3


def test_prose_and_headings_are_not_tables():
    boxes = words(100.0, (40.0, "Analysis of the year"))
    boxes += words(100.0 + LINE, (40.0, "Complaints fell by 10% from 2017/18 to 2018/19"))
    assert find_grids(boxes) == []


PAGE_HEIGHT = 595.0


def test_a_running_footer_ending_in_its_page_number_is_not_a_table():
    """'Annual Complaints Report   - 2 -' alone on what a ruled page leaves over: two runs of
    words with a gutter between, and '- 2 -' reads as figures, but it is page furniture."""
    footer = words(570.0, (40.0, "Thurrock Council – 2018/19 Annual Complaints Report"),
                   (500.0, "- 2 -"))
    header = words(20.0, (40.0, "Thurrock Council – 2018/19 Annual Complaints Report"),
                   (500.0, "Page 2 of 16"))
    assert find_grids(footer, page_height=PAGE_HEIGHT, page_number=2) == []
    assert find_grids(header, page_height=PAGE_HEIGHT, page_number=2) == []
    assert is_running_line("Thurrock Council – 2018/19 Annual Complaints Report - 2 -")
    assert is_running_line("Annual Complaints Report 7", page_number=7)


def test_a_table_row_at_the_foot_of_the_page_is_never_taken_for_a_footer():
    """A Difference row ends with a figure that looks like a page number ('-8', '9'): in the
    bottom margin band it is still the table's row."""
    assert not is_running_line("Difference -7 +10% -8", page_number=8)
    assert not is_running_line("2018-2019 61 36% 9", page_number=9)
    assert not is_running_line("Annual Complaints Report 7", page_number=8)
    low_table = figure_table(PAGE_HEIGHT - 4 * ROW - 5)
    [grid] = find_grids(low_table, page_height=PAGE_HEIGHT, page_number=8)
    assert len(grid.rows) - 1 == 4  # header + 2018-2019, 2017-2018, Difference


def test_an_item_number_equal_to_the_page_number_at_the_top_is_the_rows_number():
    """A commitments table at the top of page 4 (landscape), item 4's text left empty: '4'
    alone in the top band reads like the page number, but it stands in the column of item
    numbers between '2' and '6', so it is the row's number and the row stays in the table."""
    boxes = words(13.0, (76.0, "Service commitments for 2020/21"))
    boxes += words(13.0 + ROW, (55.0, "2"), (76.0, "Complete customer care standards"))
    boxes += words(13.0 + 2 * ROW, (55.0, "4"))
    boxes += words(13.0 + 3 * ROW, (55.0, "6"), (76.0, "Publish the results"))
    [grid] = find_grids(boxes, page_height=PAGE_HEIGHT, page_number=4)
    assert len(grid.rows) - 1 == 4  # header and three rows: '4' is not dropped as furniture
    footer_only = words(13.0 + 2 * ROW, (55.0, "4"))
    footer_only += words(120.0, (76.0, "Complaints fell this year"))
    assert find_grids(footer_only, page_height=PAGE_HEIGHT, page_number=4) == []


def _commitments_rows(top: float, numbered: bool) -> tuple[list[WordBox], float]:
    """A next-year commitments table: number column at 40 (or none), text at 60."""
    boxes = words(top, (60.0, "Service commitments for 2019/20"))
    top += ROW
    for number, text in (("1", "Reduce repeat visits"), ("2", "Review call scripts")):
        cells = ((40.0, number), (60.0, text)) if numbered else ((60.0, text),)
        boxes += words(top, *cells)
        top += ROW
    return boxes, top


def test_a_commitments_table_printed_without_numbers_is_one_column():
    """Issue 12 fuzz: a commitments table with no number column (or an empty one) is one
    column of rows, not lost for want of a gutter."""
    boxes, _ = _commitments_rows(100.0, numbered=False)
    [grid] = find_grids(boxes)
    assert (grid.kind, len(grid.columns), len(grid.rows), grid.header_rows) == ("text", 2, 4, 1)


def test_one_column_of_prose_under_another_heading_is_still_no_table():
    boxes = words(100.0, (60.0, "Analysis"))
    boxes += words(100.0 + ROW, (60.0, "Complaints fell by ten per cent this year"))
    boxes += words(100.0 + 2 * ROW, (60.0, "and the upheld rate fell with them"))
    assert find_grids(boxes) == []


def test_a_paragraph_printed_under_a_text_table_is_not_its_row():
    """A dashboard note at the margin under a numbered commitments table, at the table's
    font size and a row's distance: it runs across the gutter between the number and the
    text column (and starts left of every row), so the table ends above it."""
    boxes, top = _commitments_rows(100.0, numbered=True)
    boxes += words(top, (35.0, "• Complaints for this area cover the caretaking teams"))
    [grid] = find_grids(boxes)
    assert len(grid.rows) == 4  # header and two rows; the note is not a third
    assert grid.rows[-1] < top


def test_a_repeated_header_over_one_cut_cell_keeps_the_header_columns():
    """The rest of an Analysis row cut by the page foot, under its repeated header: only one
    cell has words, so the columns come from the header's cells."""
    boxes = words(100.0, (40.0, "Analysis"), (200.0, "Service response"), (330.0, "Comment"))
    boxes += words(100.0 + ROW, (200.0, "help reduce complaints."))
    [grid] = find_grids(boxes)
    assert (grid.kind, len(grid.columns), grid.header_rows) == ("text", 4, 1)
    assert grid.columns[1] < 200.0 < grid.columns[2]


def test_a_continued_text_table_keeps_the_words_past_the_carried_right_edge():
    """A commitments table broken without its header: the next page's line runs further
    right than any line of the previous page, and keeps its last characters."""
    boxes = words(100.0, (40.0, "2"), (110.0, "Record calls"), (200.0, "reduce as does"))
    boxes += words(100.0 + ROW, (40.0, "3"), (110.0, "Train staff"), (200.0, "Done"))
    carried = (30.0, 100.0, 190.0, 250.0)  # the last cell's middle is inside, its end not
    [grid] = find_grids(boxes, page_height=800.0, carried=carried)
    assert grid.columns[1:-1] == carried[1:-1]
    assert grid.columns[-1] > max(w.x1 for w in boxes) > carried[-1]


def test_a_tight_grouped_header_under_a_title_wider_than_its_labels():
    """Word with no cell padding: the grouped row and the measure names 1.5 pt apart, the
    rule between them drawn just inside the measure names' boxes; the grouped row's first
    cell holds the table's title, wider than the year labels below it. The rule still parts
    the header rows, and no column boundary cuts the title."""
    boxes = words(80.0, (40.0, "Comparison of 2019/20"), (180.0, "Stage 1"),
                  (305.0, "Stage 2"))
    boxes += words(80.0 + LINE, (150.0, "rec'd"), (200.0, "%"), (250.0, "esc."),
                   (300.0, "rec'd"), (350.0, "%"))
    rule = [HorizontalEdge(80.0 + LINE + 0.9, 30.0, 400.0)]
    top = 80.0 + LINE + ROW
    for label in ("2018/19", "2017/18"):
        boxes += words(top, (40.0, label), (150.0, "218"), (200.0, "44%"), (250.0, "23"),
                       (300.0, "36"), (350.0, "33%"))
        top += ROW
    [grid] = find_grids(boxes, rule)
    assert grid.header_rows == 2
    assert grid.groups == {0: (0, 1, 4)}
    [title_end] = [w.x1 for w in boxes if w.text == "2019/20"]
    assert title_end < grid.columns[1] < 150.0  # between the title and the first figures


def test_a_text_tables_column_left_empty_in_its_rows_is_still_a_column():
    """An Analysis part whose only row has no Complaints Team comment: the header cell over
    no body word is a column of its own, so the next page's comment is not read into the
    service response."""
    boxes = words(100.0, (40.0, "Analysis – key themes"), (200.0, "Service response"),
                  (330.0, "Complaints Team comments"))
    boxes += words(100.0 + ROW, (40.0, "Stage 1: 26% upheld"), (200.0, "Cases get an officer"))
    [grid] = find_grids(boxes)
    assert (grid.kind, len(grid.columns)) == ("text", 4)
    assert grid.columns[2] < 330.0


def test_the_tail_of_a_cut_row_set_apart_at_the_top_is_no_running_header():
    """The one line a page break carried over, alone above the next table: kept as the
    continuation (it fits the previous page's columns) unless the previous page's top
    printed it (then it is the running header)."""
    tail = words(60.0, (40.0, "received were upheld."), (200.0, "to check bins."),
                 (330.0, "risen slightly."))
    below = words(120.0, (40.0, "Commitments agreed for 2017/18"))
    below += words(120.0 + ROW, (40.0, "Hold monthly meetings with the contractor."))
    carried = (35.0, 190.0, 320.0, 420.0)
    grids = find_grids(tail + below, page_height=800.0, carried=carried)
    assert grids[0].kind == "text" and grids[0].rows[0] < 60.0 < grids[0].rows[-1] < 120.0
    assert grids[0].columns[1:-1] == carried[1:-1]
    header = {"received were upheld. to check bins. risen slightly."}
    grids = find_grids(tail + below, page_height=800.0, carried=carried, running=header)
    assert all(not g.rows[0] < 60.0 < g.rows[-1] for g in grids)


def test_a_difference_row_set_apart_by_extra_space_stays_in_its_table():
    """A small font (6 pt) and a Difference row 12.7 pt below the year rows: over two font
    sizes, but its figures sit under theirs, one for one."""
    boxes = []
    for top, label, figures in ((100.0, "2018-2019", ("218", "44%", "23")),
                                (112.8, "2017-2018", ("186", "38%", "17")),
                                (131.5, "Difference", ("+32", "+6%", "+6"))):
        for x0, text in ((40.0, label), *zip(COLUMNS_X[1:], figures, strict=True)):
            boxes.append(WordBox(text, x0, x0 + 3.0 * len(text), top, top + 6.0, 6.0))
    [grid] = find_grids(boxes)
    assert len(grid.rows) == 4  # three rows, one table


def test_a_running_header_close_above_a_cut_rows_tail_is_passed_over():
    """A running header the previous page printed too, set only a line's gap above the two
    lines a page break carried over: the tail is still the continuation."""
    header = words(12.0, (40.0, "Annual Complaints Report 2019/20"))
    tail = words(36.0, (40.0, "the 9 complaints received"), (200.0, "offered to residents"),
                 (330.0, "dropped from 43."))
    carried = (35.0, 190.0, 320.0, 420.0)
    [grid] = find_grids(header + tail, page_height=800.0, carried=carried,
                        running={"annual complaints report #/#"})
    assert grid.kind == "text" and grid.rows[0] > 21.0 and grid.columns[1:-1] == carried[1:-1]


def test_a_note_hanging_its_bullet_under_a_one_column_table_is_not_its_row():
    """Next year's commitments in one column, then the next dashboard's note a row's distance
    below, its bullet hanging left of the cells' padding: the table ends above the note."""
    boxes = words(100.0, (45.0, "Service commitments for 2019/20"))
    boxes += words(100.0 + LINE, (45.0, "Awaiting update from the service"))
    boxes += words(100.0 + LINE + ROW, (40.0, "• Complaints for this area cover all issues"))
    rules = [HorizontalEdge(y, 40.0, 300.0) for y in (99.5, 100.0 + SIZE + 0.6)]  # the rows'
    [grid] = find_grids(boxes, rules)
    assert grid.rows[-1] < 100.0 + LINE + ROW


def test_word_boxes_are_pdfplumbers_words_of_every_borderless_sample_page():
    """The strategy reads words with the cell-text word splitter (pipeline.extract.cells), not
    pdfplumber's extract_words: the same words, boxes, sizes and order, page by page (two
    dashboard pages of each sample: pdfminer reads these files slowly; every page of every
    committed PDF was compared when the splitter was adopted)."""
    from pathlib import Path

    import pdfplumber

    from pipeline.extract.strategies.aligned_page import word_boxes

    pdfs = sorted(Path(__file__).parent.glob("fixtures/pdfs/complaints-*-html.pdf")) + \
        sorted(Path(__file__).parent.glob("fixtures/pdfs/complaints-*-word-borderless.pdf"))
    assert len(pdfs) >= 7
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages[2:4]:
                expected = [WordBox(w["text"], w["x0"], w["x1"], w["top"], w["bottom"],
                                    round(w["size"], 1))
                            for w in page.extract_words(extra_attrs=["size"], **WORDS)]
                assert word_boxes(page) == expected, (path.name, page.page_number)


def test_a_spacer_row_under_a_text_tables_header_keeps_the_table_whole():
    """A small font and a spacer row under the header: the first commitment stands three font
    sizes below the header, further than rows stand apart; it is still the table's row."""
    header = words(100.0, (60.0, "Service commitments agreed for 2019/20"),
                   (300.0, "Progress update from the service"))
    first = words(100.0 + SIZE + 3 * SIZE, (45.0, "1"), (60.0, "Hold regular meetings."),
                  (300.0, "Meetings are held monthly."))
    second = words(100.0 + SIZE + 3 * SIZE + ROW, (45.0, "2"), (60.0, "Track follow on works."),
                   (300.0, "The status is in use."))
    [grid] = find_grids(header + first + second)
    assert grid.kind == "text" and grid.header_rows == 1 and len(grid.rows) == 4


def _stage_rows(top: float, labels: tuple[str, ...]) -> list[WordBox]:
    """Data rows under a two-stage grouped header, one per label."""
    boxes = []
    for label in labels:
        boxes += words(top, (40.0, label), (150.0, "218"), (200.0, "44%"), (250.0, "23"),
                       (300.0, "36"), (350.0, "33%"))
        top += ROW
    return boxes


def _stub_wrapped_beside_a_grouped_row(top: float, title: tuple[str, str]) -> tuple[
        list[WordBox], list[HorizontalEdge]]:
    """A grouped header with no gap under its group row, ruled under the groups' cells only:
    the stub column's title wraps onto a second line that stands across the rule."""
    boxes = words(top, (40.0, title[0]), (180.0, "Stage 1"), (305.0, "Stage 2"))
    boxes += words(top + LINE, (40.0, title[1]))
    boxes += words(top + 2 * LINE, (150.0, "rec'd"), (200.0, "%"), (250.0, "esc."),
                   (300.0, "rec'd"), (350.0, "%"))
    rule = [HorizontalEdge(top + LINE + SIZE / 2, 140.0, 400.0)]  # not over the stub column
    return boxes, rule


def test_a_rule_under_the_group_cells_parts_the_header_rows_beside_a_wrapped_stub():
    """HTML, 'Stage 2' over columns with no padding between the header lines: the rule
    drawn under the group row is the only evidence of the row boundary, and the stub's
    wrapped title stands across it. The words under the rule decide where the row parts."""
    boxes, rule = _stub_wrapped_beside_a_grouped_row(80.0, ("Comparison of", "2019/20"))
    boxes += _stage_rows(80.0 + 2 * LINE + ROW, ("2018/19", "2017/18"))
    [grid] = find_grids(boxes, rule)
    assert grid.header_rows == 2
    assert grid.groups == {0: (0, 1, 4)}
    # The boundary passes under the stub's second line, not through it.
    assert 80.0 + LINE + SIZE < grid.rows[1] < 80.0 + 2 * LINE
    assert len(find_grids(boxes)[0].rows) == 4  # without the rule: one header row


def test_a_rule_crossing_a_word_under_it_parts_no_rows():
    boxes, _ = _stub_wrapped_beside_a_grouped_row(80.0, ("Comparison of", "2019/20"))
    crossing = [HorizontalEdge(80.0 + SIZE / 2, 140.0, 400.0)]  # through 'Stage 1'
    boxes += _stage_rows(80.0 + 2 * LINE + ROW, ("2018/19", "2017/18"))
    [grid] = find_grids(boxes, crossing)
    assert grid.header_rows == 1


def test_a_figure_header_repeated_at_the_top_with_its_name_wrapped_is_no_text_table():
    """A Top Ten table continued on the next page under its repeated header, whose first
    cell wraps ('Directorate and' / 'Area'): the header belongs to the figures below it,
    not to a text table continued from the previous page."""
    boxes, rule = _stub_wrapped_beside_a_grouped_row(60.0, ("Directorate and", "Area"))
    boxes += _stage_rows(60.0 + 2 * LINE + ROW, ("Housing – Repairs", "Finance – Council Tax"))
    carried = (35.0, 140.0, 420.0)
    [grid] = find_grids(boxes, rule, page_height=800.0, carried=carried)
    assert grid.kind == "figures"
    assert grid.header_rows == 2
    assert len(grid.columns) == 7  # the stub and five figure columns


def test_a_text_tables_header_right_under_the_figures_is_no_wrapped_label():
    """Word, borderless: next year's commitments printed right under the Variance row, their
    header narrower than the label column. It opens its own table; it is not the wrapped
    words of the last label, and the commitments are not lost to the figure table."""
    boxes = []
    top = 100.0
    for label in ("2017/18", "2016/17", "Variance"):
        boxes += words(top, (40.0, label), (250.0, "200"), (300.0, "74%"), (350.0, "26"))
        top += LINE
    shading = [HorizontalEdge(100.0 + k * LINE - 0.7, 30.0, 400.0) for k in (1, 2, 3)]
    boxes += words(top, (40.0, "Service commitments for 2018/19"))
    boxes += words(top + ROW, (40.0, "Introduce in-cab technology."))
    boxes += words(top + 2 * ROW, (40.0, "Increase supervisor monitoring."))
    figures, commitments = find_grids(boxes, shading)
    assert (figures.kind, len(figures.rows)) == ("figures", 4)  # the three data rows only
    assert (commitments.kind, commitments.header_rows, len(commitments.rows)) == ("text", 1, 4)
